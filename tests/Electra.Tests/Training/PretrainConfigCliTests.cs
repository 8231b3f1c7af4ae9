using System.Text.Json;

namespace Electra.Tests.Training;

/// <summary>`electra pretrain --config FILE.json`.</summary>
public class PretrainConfigCliTests
{
    [Fact]
    public void A_config_file_sets_the_options_and_the_command_line_overrides_it()
    {
        using var dir = new TestPaths.TempDir();
        File.WriteAllText(dir["run.json"], """{ "preset": "Tiny", "steps": 50, "log_every": 1, "electra": { "temperature": 0.5, "sharing": "none" } }""");
        var (code, stdout, stderr) = Cli.Run("pretrain", "--config", dir["run.json"], "--steps", "2", "--corpus", Path.Combine(TestPaths.Pretrain, "moby-dick.txt"),
            "--batch", "8", "--seq", "32", "--vocab-size", "400", "--eval-every", "0", "--device", "cpu", "--threads", "1", "--out", dir["out"]);
        Assert.True(code == 0, stderr);
        Assert.Contains("done: 2 steps", stdout); // --steps beats the file's 50
        var run = JsonSerializer.Deserialize<Dictionary<string, string>>(File.ReadAllText(Path.Combine(dir["out"], "run.json")))!;
        Assert.Equal("tiny", run["preset"]);
        Assert.Equal("None", run["sharing"]);
    }

    [Fact]
    public void A_bad_config_file_is_a_usage_error_naming_the_key_before_anything_is_written()
    {
        using var dir = new TestPaths.TempDir();
        File.WriteAllText(dir["bad.json"], """{ "preset": "tiny", "disc_weigth": 40 }""");
        var (code, _, stderr) = Cli.Run("pretrain", "--config", dir["bad.json"], "--out", dir["out"]);
        Assert.Equal(2, code);
        Assert.Contains("disc_weigth", stderr);
        Assert.Contains(dir["bad.json"], stderr);
        Assert.False(Directory.Exists(dir["out"]));
    }
}
