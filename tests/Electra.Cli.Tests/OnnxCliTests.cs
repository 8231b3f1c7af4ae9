using System.Text.Json;
using Electra.Onnx;
using Microsoft.Extensions.AI;

namespace Electra.Tests.Onnx;

/// <summary>
/// `electra export-onnx`, `logits`/`predict` with `--runtime onnx` giving what the TorchSharp path gives, and the ONNX
/// embedding generator giving what `electra embed` writes.
/// </summary>
public class OnnxCliTests
{
    static double[] Flat(JsonElement e) => e.ValueKind == JsonValueKind.Array ? e.EnumerateArray().SelectMany(Flat).ToArray() : [e.GetDouble()];

    [Fact]
    public void Logits_on_onnx_exports_equal_the_torchsharp_output_and_pytorchs_golden_logits()
    {
        using var dir = new TestPaths.TempDir();
        foreach (string part in new[] { "discriminator", "generator" })
        {
            var (code, stdout, stderr) = Cli.Run("export-onnx", "--model", Path.Combine(TestPaths.Fixture, part), "--out", dir[part], "--threads", "1");
            Assert.True(code == 0, stderr);
            Assert.Contains("opset 17", stdout);
            Assert.Contains("LayerNormalization", stdout);
        }
        string golden = Path.Combine(TestPaths.Fixture, "golden.json");
        string[] Args(string runtime, string disc, string gen) =>
            ["logits", "--runtime", runtime, "--discriminator", disc, "--generator", gen, "--input", golden, "--output", dir[runtime + ".json"], "--threads", "1"];
        var onnx = Cli.Run(Args("onnx", dir["discriminator"], dir["generator"]));
        Assert.True(onnx.ExitCode == 0, onnx.Stderr);
        var torch = Cli.Run(Args("torch", Path.Combine(TestPaths.Fixture, "discriminator"), Path.Combine(TestPaths.Fixture, "generator")));
        Assert.True(torch.ExitCode == 0, torch.Stderr);

        var expected = JsonDocument.Parse(File.ReadAllText(golden)).RootElement.GetProperty("batches");
        var fromTorch = JsonDocument.Parse(File.ReadAllText(dir["torch.json"])).RootElement.GetProperty("batches");
        var fromOnnx = JsonDocument.Parse(File.ReadAllText(dir["onnx.json"])).RootElement.GetProperty("batches");
        Assert.Equal(fromTorch.GetArrayLength(), fromOnnx.GetArrayLength());
        for (int i = 0; i < fromTorch.GetArrayLength(); i++)
        {
            foreach (string key in new[] { "discriminator_logits", "generator_logits" })
            {
                var t = Flat(fromTorch[i].GetProperty(key));
                var o = Flat(fromOnnx[i].GetProperty(key));
                Assert.Equal(t.Length, o.Length);
                Assert.True(t.Zip(o, (x, y) => Math.Abs(x - y)).Max() < 1e-4, $"batch {i} {key}");
            }
            var golden16 = Flat(expected[i].GetProperty("generator_logits_first16")[0][0]);
            Assert.True(golden16.Zip(Flat(fromOnnx[i].GetProperty("generator_logits")[0][0]), (x, y) => Math.Abs(x - y)).Max() < 1e-4);
            var goldenDisc = Flat(expected[i].GetProperty("discriminator_logits"));
            Assert.True(goldenDisc.Zip(Flat(fromOnnx[i].GetProperty("discriminator_logits")), (x, y) => Math.Abs(x - y)).Max() < 1e-4);
        }

        // A generator export where a discriminator is expected is named, as the TorchSharp path does.
        var wrong = Cli.Run(Args("onnx", dir["generator"], dir["generator"]));
        Assert.Equal(1, wrong.ExitCode);
        Assert.Contains("ElectraForMaskedLM, not ElectraForPreTraining", wrong.Stderr);
    }

    [Theory]
    [InlineData("ElectraForSequenceClassification")]
    [InlineData("ElectraForTokenClassification")]
    [InlineData("regression")]
    public void Predict_with_the_onnx_runtime_writes_what_the_torchsharp_path_writes(string architecture)
    {
        using var dir = new TestPaths.TempDir();
        string model = architecture == "regression" ? OnnxHeads.Regression(dir["model"]) : OnnxHeads.Folder(architecture, dir["model"]);
        var export = Cli.Run("export-onnx", "--model", model, "--out", dir["onnx"], "--threads", "1");
        Assert.True(export.ExitCode == 0, export.Stderr);
        string input;
        if (architecture == "ElectraForSequenceClassification")
        {
            input = dir["in.tsv"];
            File.WriteAllLines(input, ["text\ttext_b\tlabel", .. OnnxHeads.Texts.Zip(OnnxHeads.Pairs, (a, b) => $"{a}\t{b}\tnews")]);
        }
        else if (architecture == "regression")
        {
            input = dir["in.tsv"];
            File.WriteAllLines(input, ["text\tlabel", .. OnnxHeads.Texts.Concat(OnnxHeads.Pairs).Select((t, i) => FormattableString.Invariant($"{t}\t{i * 0.5}"))]);
        }
        else
        {
            input = dir["in.conll"];
            File.WriteAllLines(input, OnnxHeads.Texts.SelectMany(t => t.Split(' ').Select(w => $"{w}\t{(w == "." || w == "," ? "." : "NOUN")}").Append("")));
        }
        var torch = Cli.Run("predict", "--model", model, "--input", input, "--output", dir["torch.out"], "--batch", "2", "--threads", "1");
        Assert.True(torch.ExitCode == 0, torch.Stderr);
        var onnx = Cli.Run("predict", "--runtime", "onnx", "--model", dir["onnx"], "--input", input, "--output", dir["onnx.out"], "--batch", "2", "--threads", "1");
        Assert.True(onnx.ExitCode == 0, onnx.Stderr);
        Assert.Equal(File.ReadAllText(dir["torch.out"]), File.ReadAllText(dir["onnx.out"]));
        if (architecture != "regression") // metrics from unrounded values may differ in a last digit
            Assert.Equal(torch.Stdout, onnx.Stdout.Replace(dir["onnx.out"], dir["torch.out"]));
        Assert.Contains("metrics", onnx.Stdout);
    }

    [Fact]
    public void Export_errors_are_named_with_the_cli_exit_codes()
    {
        using var dir = new TestPaths.TempDir();
        var (code, _, stderr) = Cli.Run("export-onnx", "--model", Path.Combine(TestPaths.Fixture, "discriminator"), "--out", dir["x"], "--opset", "16");
        Assert.Equal(2, code);
        Assert.Contains("--opset", stderr);
        (code, _, stderr) = Cli.Run("export-onnx", "--model", dir["missing"], "--out", dir["x"]);
        Assert.Equal(1, code);
        Assert.Contains("no such model folder", stderr);
        File.WriteAllLines(dir["in.tsv"], ["text", "a day"]);
        (code, _, stderr) = Cli.Run("predict", "--runtime", "onnx", "--model", Path.Combine(TestPaths.Fixture, "discriminator"), "--input", dir["in.tsv"], "--output", dir["o"]);
        Assert.Equal(1, code);
        Assert.Contains("no model.onnx", stderr);
        Assert.False(File.Exists(dir["o"]));
        Assert.False(Directory.Exists(dir["x"]));
    }

    [Fact]
    public async Task Onnx_generator_equals_electra_embed_on_a_bi_encoder_folder()
    {
        using var dir = new TestPaths.TempDir();
        string folder = OnnxHeads.Folder("ElectraModel", dir["bi"]); // the fixture's encoder as a normalised mean-pooling bi-encoder
        var export = Cli.Run("export-onnx", "--model", folder, "--out", dir["bi-onnx"], "--threads", "1");
        Assert.True(export.ExitCode == 0, export.Stderr);
        File.WriteAllLines(dir["texts.txt"], OnnxHeads.Texts);
        var r = Cli.Run("embed", "--model", folder, "--input", dir["texts.txt"], "--output", dir["vectors.jsonl"], "--threads", "1");
        Assert.True(r.ExitCode == 0, r.Stderr);
        Assert.Contains("normalised", r.Stderr);
        var cli = File.ReadAllLines(dir["vectors.jsonl"])
            .Select(l => JsonDocument.Parse(l).RootElement.GetProperty("vector").EnumerateArray().Select(x => x.GetSingle()).ToArray()).ToList();
        using IEmbeddingGenerator<string, Embedding<float>> generator = ElectraOnnxModel.Load(dir["bi-onnx"]);
        var onnx = (await generator.GenerateAsync(OnnxHeads.Texts)).Select(e => e.Vector.ToArray()).ToList();
        Assert.Equal(cli.Count, onnx.Count);
        for (int i = 0; i < cli.Count; i++)
        {
            Assert.Equal(cli[i].Length, onnx[i].Length);
            for (int j = 0; j < cli[i].Length; j++) Assert.True(Math.Abs(cli[i][j] - onnx[i][j]) < 2e-5, $"text {i} dim {j}: {cli[i][j]} vs {onnx[i][j]}");
        }
    }
}
