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

    [Fact]
    public void Print_config_writes_a_complete_loadable_file_and_every_run_records_its_resolved_options()
    {
        using var dir = new TestPaths.TempDir();
        // seq and vocab_size are options like any other, in the file as on the command line.
        File.WriteAllText(dir["some.json"], """{ "preset": "tiny", "steps": 2, "eval_every": 0, "pipeline": { "seq": 32, "vocab_size": 400 } }""");
        var (code, printed, stderr) = Cli.Run("pretrain", "--config", dir["some.json"], "--batch", "8", "--print-config");
        Assert.True(code == 0, stderr);
        var resolved = JsonDocument.Parse(printed).RootElement;
        Assert.Equal(32, resolved.GetProperty("pipeline").GetProperty("seq").GetInt32());
        Assert.Equal(400, resolved.GetProperty("pipeline").GetProperty("vocab_size").GetInt32());
        Assert.Equal(8, resolved.GetProperty("batch_size").GetInt32()); // the command line over the file
        Assert.Equal(5e-4, resolved.GetProperty("learning_rate").GetDouble()); // the preset's default, resolved
        Assert.Equal(0, resolved.GetProperty("warmup_steps").GetInt64()); // auto: 10% of 2 steps
        Assert.True(resolved.GetProperty("optimizer").GetProperty("bias_correction").GetBoolean()); // auto: a short warmup
        Assert.Equal("cpu", resolved.GetProperty("device").GetString()); // auto, on this CPU-only build

        // The printed file is a complete config: loaded back, it prints itself.
        File.WriteAllText(dir["full.json"], printed);
        (code, var again, stderr) = Cli.Run("pretrain", "--config", dir["full.json"], "--print-config");
        Assert.True(code == 0, stderr);
        Assert.Equal(printed, again);

        // A run writes the same resolved options as options.json; quickstart prints its own.
        (code, _, stderr) = Cli.Run("pretrain", "--config", dir["full.json"], "--corpus", Path.Combine(TestPaths.Pretrain, "moby-dick.txt"),
            "--threads", "1", "--out", dir["out"]);
        Assert.True(code == 0, stderr);
        Assert.Equal(printed.Trim(), File.ReadAllText(Path.Combine(dir["out"], "options.json")).Trim());
        (code, var quick, stderr) = Cli.Run("quickstart", "--print-config");
        Assert.True(code == 0, stderr);
        Assert.Equal("tiny", JsonDocument.Parse(quick).RootElement.GetProperty("preset").GetString());
        Assert.False(Directory.Exists(Path.Combine(Environment.CurrentDirectory, "runs", "quickstart", "options.json")));
    }
}
