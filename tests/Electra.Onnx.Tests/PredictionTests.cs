using Electra.FineTuning;
using Electra.FineTuning.Prediction;
using Electra.FineTuning.QuestionAnswering;
using Electra.IO;
using Electra.Onnx;
using Electra.Tasks;
using Electra.Tests.Onnx;

namespace Electra.Tests.FineTuning;

/// <summary>
/// <see cref="Predictor"/>, the library's `electra predict`: called from C# on each head with either runtime, it
/// writes the file the CLI writes, scores it as the CLI prints, and refuses bad input before any output.
/// </summary>
public class PredictionTests
{
    /// <summary>A fine-tuned folder of <paramref name="kind"/> and an input file with gold labels for it.</summary>
    static (string Model, string Input) Case(string kind, TestPaths.TempDir dir)
    {
        switch (kind)
        {
            case "sequence":
                File.WriteAllLines(dir["in.tsv"], ["text\tlabel", .. OnnxHeads.Texts.Select((t, i) => $"{t}\t{OnnxHeads.Genres.Names[i % 3]}")]);
                return (OnnxHeads.Folder(nameof(ElectraForSequenceClassification), dir["model"]), dir["in.tsv"]);
            case "pair":
                File.WriteAllLines(dir["in.tsv"], ["text\ttext_b\tlabel", .. OnnxHeads.Texts.Zip(OnnxHeads.Pairs, (a, b) => $"{a}\t{b}\tnews")]);
                return (OnnxHeads.Folder(nameof(ElectraForSequenceClassification), dir["model"]), dir["in.tsv"]);
            case "regression":
                File.WriteAllLines(dir["in.tsv"], ["text\tlabel", .. OnnxHeads.Texts.Concat(OnnxHeads.Pairs).Select((t, i) => FormattableString.Invariant($"{t}\t{i * 0.5}"))]);
                return (OnnxHeads.Regression(dir["model"]), dir["in.tsv"]);
            case "token":
                File.WriteAllLines(dir["in.conll"], OnnxHeads.Texts.SelectMany(t => t.Split(' ').Select(w => $"{w}\t{(w is "." or "," ? "." : "NOUN")}").Append("")));
                return (OnnxHeads.Folder(nameof(ElectraForTokenClassification), dir["model"]), dir["in.conll"]);
            default: // question answering, SQuAD 2.0, windows of 16 pieces with stride 4 so most contexts span several
                string model = OnnxHeads.Folder(ElectraForQuestionAnswering.Architecture, dir["model"]);
                var settings = new QuestionAnsweringOptions { MaxSeqLength = 16, DocStride = 4, MaxQueryLength = 4, Version2WithNegative = true };
                File.WriteAllText(Path.Combine(model, QuestionAnsweringOptions.FileName), System.Text.Json.JsonSerializer.Serialize(settings));
                string task = SyntheticTasks.Squad(dir["squad"], train: 1, eval: 12, unanswerable: 0.3);
                return (model, Path.Combine(task, "test.json"));
        }
    }

    [Theory]
    [InlineData("sequence")]
    [InlineData("pair")]
    [InlineData("regression")]
    [InlineData("token")]
    [InlineData("question answering")]
    public void Predictor_on_either_runtime_writes_the_file_and_metrics_of_the_cli(string kind)
    {
        using var dir = new TestPaths.TempDir();
        var (model, input) = Case(kind, dir);
        var cli = Cli.Run("predict", "--model", model, "--input", input, "--output", dir["cli.out"], "--batch", "2", "--threads", "1");
        Assert.True(cli.ExitCode == 0, cli.Stderr);
        var export = Cli.Run("export-onnx", "--model", model, "--out", dir["onnx"], "--threads", "1");
        Assert.True(export.ExitCode == 0, export.Stderr);

        var options = new PredictionOptions { BatchSize = 2 };
        PredictionReport torchReport, onnxReport;
        using (var torch = TorchFineTunedEncoder.Load(model))
            torchReport = Predictor.Run(torch, input, dir["torch.out"], options);
        using (var onnx = ElectraOnnxModel.Load(dir["onnx"], new OnnxModelOptions { IntraOpThreads = 1 }))
            onnxReport = Predictor.Run(onnx, input, dir["onnx.out"], options);

        string expected = File.ReadAllText(dir["cli.out"]);
        Assert.Equal(expected, File.ReadAllText(dir["torch.out"]));
        Assert.Equal(expected, File.ReadAllText(dir["onnx.out"]));
        object metrics = (object?)torchReport.Metrics ?? torchReport.Squad ?? throw new Xunit.Sdk.XunitException("no metrics for a file with gold labels");
        Assert.Contains($"wrote {dir["cli.out"]}: {torchReport with { Output = dir["cli.out"] }}", cli.Stdout);
        Assert.Contains($"metrics {metrics}", cli.Stdout);
        Assert.Equal(torchReport.Count, onnxReport.Count);
        if (kind == "question answering")
        {
            Assert.Equal(torchReport.Squad, onnxReport.Squad);
            Assert.Equal(16, torchReport.QuestionAnswering!.MaxSeqLength);
            Assert.InRange(torchReport.NoAnswers, 0, torchReport.Count);
        }
    }

    [Fact]
    public void Predictor_refuses_what_does_not_fit_before_writing_anything()
    {
        using var dir = new TestPaths.TempDir();
        var (model, input) = Case("sequence", dir);
        File.WriteAllLines(dir["in.conll"], ["it\tNOUN", ""]);
        string squad = Path.Combine(SyntheticTasks.Squad(dir["squad"], train: 1, eval: 2), "dev.json");
        using var torch = TorchFineTunedEncoder.Load(model);

        var e = Assert.Throws<ArgumentException>(() => Predictor.Run(torch, input, dir["o"], new PredictionOptions { MaxLength = torch.MaxPositions + 1 }));
        Assert.Contains($"max length {torch.MaxPositions + 1} exceeds the model's max_position_embeddings {torch.MaxPositions}", e.Message);
        Assert.Contains(dir["in.conll"] + ": a token file, but " + model + " is a ElectraForSequenceClassification",
            Assert.Throws<InvalidDataException>(() => Predictor.Run(torch, dir["in.conll"], dir["o"])).Message);
        Assert.Contains("not ElectraForQuestionAnswering", Assert.Throws<InvalidDataException>(() => Predictor.Run(torch, squad, dir["o"])).Message);
        Assert.Throws<OutputFolderException>(() => Predictor.Run(torch, input, input));
        Assert.Throws<OutputFolderException>(() => Predictor.Run(torch, input, Path.Combine(model, "config.json")));
        Assert.False(File.Exists(dir["o"]));

        File.WriteAllLines(dir["bad.tsv"], ["text\tlabel", "a day\tnews", "no label here"]);
        Assert.Contains("bad.tsv:3", Assert.Throws<InvalidDataException>(() => PredictionInput.Read(dir["bad.tsv"])).Message);
        Assert.Contains("is not a fine-tuned classifier", Assert.Throws<InvalidDataException>(() => TorchFineTunedEncoder.Load(OnnxHeads.FixtureDiscriminator)).Message);
    }
}
