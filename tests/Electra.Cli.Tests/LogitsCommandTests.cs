using System.Text.Json;

namespace Electra.Tests;

public class LogitsCommandTests
{
    static readonly string Golden = Path.Combine(TestPaths.Fixture, "golden.json");

    static float[] Floats(JsonElement e) => e.ValueKind == JsonValueKind.Array ? e.EnumerateArray().SelectMany(Floats).ToArray() : [e.GetSingle()];

    static void AssertClose(float[] expected, float[] actual, double tolerance, string what)
    {
        Assert.Equal(expected.Length, actual.Length);
        double worst = expected.Zip(actual, (e, a) => Math.Abs(e - a)).Max();
        Assert.True(worst <= tolerance, $"{what}: max |Δ| {worst:E2} > {tolerance}");
    }

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

    /// <summary>The hub layouts of the golden fixture's weights (tests/Electra.Tests/HubLayouts): a pickled .bin pair, mixed with a strided generator.</summary>
    [Fact]
    public void The_CLI_logits_command_reads_a_legacy_pickle_pair()
    {
        using var dir = new TestPaths.TempDir();
        string layouts = Path.Combine(TestPaths.RepoRoot, "tests", "Electra.Tests", "HubLayouts");
        var (code, _, stderr) = Cli.Run("logits", "--discriminator", Path.Combine(layouts, "legacy", "discriminator"),
            "--generator", Path.Combine(layouts, "strided", "generator"), "--input", Golden, "--output", dir["out.json"]);
        Assert.True(code == 0, stderr);
        var golden = JsonDocument.Parse(File.ReadAllText(Golden)).RootElement;
        double tolerance = golden.GetProperty("tolerance").GetDouble();
        var actual = JsonDocument.Parse(File.ReadAllText(dir["out.json"])).RootElement.GetProperty("batches")[1];
        var expected = golden.GetProperty("batches")[1];
        AssertClose(Floats(expected.GetProperty("discriminator_logits")), Floats(actual.GetProperty("discriminator_logits")), tolerance, "CLI discriminator");
        var g = actual.GetProperty("generator_logits").EnumerateArray().SelectMany(r => r.EnumerateArray().SelectMany(v => v.EnumerateArray().Take(16).Select(x => x.GetSingle()))).ToArray();
        AssertClose(Floats(expected.GetProperty("generator_logits_first16")), g, tolerance, "CLI generator");
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
