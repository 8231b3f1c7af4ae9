using Electra.FineTuning;
using Electra.FineTuning.Prediction;
using Electra.IO;
using Electra.Onnx;
using Electra.Onnx.Export;
using Electra.Tasks;
using Electra.Tests.Onnx;

namespace Electra.Tests.FineTuning;

/// <summary>
/// <see cref="Predictor"/>, the library's `electra predict`: called from C# on each head with either runtime, it
/// writes the same file and scores, and refuses bad input before any output. (That the command writes and prints what
/// it returns: PredictionCliTests in Electra.Cli.Tests.)
/// </summary>
public class PredictionTests
{
    public static TheoryData<string> Kinds() => new(OnnxHeads.PredictionKinds);

    [Theory]
    [MemberData(nameof(Kinds))]
    public void Predictor_on_either_runtime_writes_the_same_file_and_metrics(string kind)
    {
        using var dir = new TestPaths.TempDir();
        var (model, input) = OnnxHeads.PredictionCase(kind, dir);
        OnnxExport.Export(model, dir["onnx"]);

        var options = new PredictionOptions { BatchSize = 2 };
        PredictionReport torchReport, onnxReport;
        using (var torch = TorchFineTunedEncoder.Load(model))
            torchReport = Predictor.Run(torch, input, dir["torch.out"], options);
        using (var onnx = ElectraOnnxModel.Load(dir["onnx"], new OnnxModelOptions { IntraOpThreads = 1 }))
            onnxReport = Predictor.Run(onnx, input, dir["onnx.out"], options);

        // The file and the report `electra predict` prints are the torch Predictor's: PredictionCliTests in Electra.Cli.Tests.
        Assert.Equal(File.ReadAllText(dir["torch.out"]), File.ReadAllText(dir["onnx.out"]));
        Assert.True(torchReport.Metrics is not null || torchReport.Squad is not null, "no metrics for a file with gold labels");
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
        var (model, input) = OnnxHeads.PredictionCase("sequence", dir);
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
