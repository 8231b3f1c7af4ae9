using System.Text.Json;

namespace Electra.Tests;

public class LogitsCommandTests
{
    [Fact]
    public void Writes_the_golden_logits_of_the_fixture()
    {
        using var dir = new TestPaths.TempDir();
        string golden = Path.Combine(TestPaths.Fixture, "golden.json");
        var (code, stdout, stderr) = Cli.Run("logits",
            "--discriminator", Path.Combine(TestPaths.Fixture, "discriminator"),
            "--generator", Path.Combine(TestPaths.Fixture, "generator"),
            "--input", golden, "--output", dir["out.json"]);
        Assert.True(code == 0, stderr);
        Assert.Contains("3 batches", stdout);

        var expected = JsonDocument.Parse(File.ReadAllText(golden)).RootElement.GetProperty("batches");
        var actual = JsonDocument.Parse(File.ReadAllText(dir["out.json"])).RootElement.GetProperty("batches");
        Assert.Equal(expected.GetArrayLength(), actual.GetArrayLength());
        for (int i = 0; i < expected.GetArrayLength(); i++)
        {
            var e = expected[i].GetProperty("discriminator_logits").EnumerateArray().SelectMany(r => r.EnumerateArray()).Select(x => x.GetDouble()).ToArray();
            var a = actual[i].GetProperty("discriminator_logits").EnumerateArray().SelectMany(r => r.EnumerateArray()).Select(x => x.GetDouble()).ToArray();
            Assert.Equal(e.Length, a.Length);
            Assert.True(e.Zip(a, (x, y) => Math.Abs(x - y)).Max() < 1e-4);
            var gen = actual[i].GetProperty("generator_logits");
            Assert.Equal(1024, gen[0][0].GetArrayLength()); // full vocabulary
            var e16 = expected[i].GetProperty("generator_logits_first16")[0][0].EnumerateArray().Select(x => x.GetDouble());
            var a16 = gen[0][0].EnumerateArray().Take(16).Select(x => x.GetDouble());
            Assert.True(e16.Zip(a16, (x, y) => Math.Abs(x - y)).Max() < 1e-4);
        }
    }

    [Fact]
    public void Bad_input_is_named_and_exits_non_zero()
    {
        using var dir = new TestPaths.TempDir();
        File.WriteAllText(dir["bad.json"], "{\"batches\": [{\"input_ids\": [[2, 5000, 3]]}]}");
        var (code, _, stderr) = Cli.Run("logits", "--discriminator", Path.Combine(TestPaths.Fixture, "discriminator"),
            "--input", dir["bad.json"], "--output", dir["out.json"]);
        Assert.Equal(1, code);
        Assert.Contains("batches[0].input_ids holds 5000, outside the vocabulary (vocab_size) [0, 1024)", stderr);
        Assert.False(File.Exists(dir["out.json"]));

        (code, _, stderr) = Cli.Run("logits", "--input", dir["bad.json"], "--output", dir["out.json"]);
        Assert.Equal(2, code);
        Assert.Contains("give --discriminator DIR, --generator DIR or both", stderr);

        (code, _, stderr) = Cli.Run("logits", "--discriminator", "x", "--inptu", "y");
        Assert.Equal(2, code);
    }
}
