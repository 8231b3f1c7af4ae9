using Electra.FineTuning.Prediction;
using Electra.Tasks;

namespace Electra.Tests.FineTuning;

/// <summary>
/// `electra predict` on each head is the library's <see cref="Predictor"/>: the same file, and the report and metrics
/// it returns printed as they are. (Both runtimes writing the same file: the ONNX tests' PredictionTests.)
/// </summary>
public class PredictionCliTests
{
    public static TheoryData<string> Kinds() => new(OnnxHeads.PredictionKinds);

    [Theory]
    [MemberData(nameof(Kinds))]
    public void Predict_writes_the_file_and_prints_the_report_and_metrics_of_the_predictor(string kind)
    {
        using var dir = new TestPaths.TempDir();
        var (model, input) = OnnxHeads.PredictionCase(kind, dir);
        var cli = Cli.Run("predict", "--model", model, "--input", input, "--output", dir["cli.out"], "--batch", "2", "--threads", "1");
        Assert.True(cli.ExitCode == 0, cli.Stderr);

        PredictionReport report;
        using (var torch = TorchFineTunedEncoder.Load(model))
            report = Predictor.Run(torch, input, dir["torch.out"], new PredictionOptions { BatchSize = 2 });
        Assert.Equal(File.ReadAllText(dir["cli.out"]), File.ReadAllText(dir["torch.out"]));
        object metrics = (object?)report.Metrics ?? report.Squad ?? throw new Xunit.Sdk.XunitException("no metrics for a file with gold labels");
        Assert.Contains($"wrote {dir["cli.out"]}: {report with { Output = dir["cli.out"] }}", cli.Stdout);
        Assert.Contains($"metrics {metrics}", cli.Stdout);
    }
}
