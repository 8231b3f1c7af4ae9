using System.Text.Json;
using Electra.IO;
using Electra.Pretraining;
using Electra.Training;

namespace Electra.Cli;

/// <summary>
/// <c>training.png</c> of a run folder: the loss (left) and accuracy (right) curves of train and validation, drawn from
/// its <c>metrics.jsonl</c> (ScottPlot; a CLI feature, so the library carries no plotting or native image assets).
/// </summary>
static class TrainingPlot
{
    /// <summary>Redraws <c>RUN/training.png</c> from <c>RUN/metrics.jsonl</c> (nothing when there is no log yet); returns the image's path.</summary>
    public static string Draw(string runDir)
    {
        string png = Path.Combine(runDir, RunFolder.PlotFile), log = Path.Combine(runDir, RunFolder.MetricsFile);
        if (!File.Exists(log)) return png;
        var history = MetricsLog.Read(log).ToList();
        var loss = new ScottPlot.Plot();
        var accuracy = new ScottPlot.Plot();
        void Series(ScottPlot.Plot plot, string split, Func<PretrainingMetrics, double?> figure, string label)
        {
            var points = history.Where(h => h.Split == split && figure(h.Metrics) is double v && double.IsFinite(v)).ToList(); // a non-finite loss is a gap
            if (points.Count == 0) return;
            var line = plot.Add.Scatter(points.Select(p => (double)p.Step).ToArray(), points.Select(p => figure(p.Metrics)!.Value).ToArray());
            line.LegendText = label;
            line.MarkerSize = split == "train" ? 0 : 5;
        }
        foreach (string split in new[] { "train", "validation" })
        {
            Series(loss, split, m => m.GeneratorLoss, $"{split} generator/MLM loss");
            Series(loss, split, m => m.DiscriminatorLoss, $"{split} discriminator loss");
            Series(accuracy, split, m => m.MaskedLmAccuracy, $"{split} masked-LM accuracy");
            Series(accuracy, split, m => m.DiscriminatorAccuracy, $"{split} discriminator accuracy");
            Series(accuracy, split, m => m.DiscriminatorAuc, $"{split} discriminator AUC");
        }
        loss.Title(Title(runDir));
        loss.XLabel("step");
        loss.YLabel("loss");
        accuracy.Title("accuracy");
        accuracy.XLabel("step");
        // Below the axes, not inside them: inside, the legend covered the validation points (drawn near the curves' ends).
        loss.ShowLegend(ScottPlot.Edge.Bottom);
        accuracy.ShowLegend(ScottPlot.Edge.Bottom);
        const int Width = 600, Height = 520;
        using var surface = SkiaSharp.SKSurface.Create(new SkiaSharp.SKImageInfo(2 * Width, Height));
        // Each plot renders alone (Render clears the whole canvas), then the two images go side by side.
        foreach (var (plot, x) in new[] { (loss, 0), (accuracy, Width) })
        {
            using var panel = SkiaSharp.SKImage.FromEncodedData(plot.GetImageBytes(Width, Height, ScottPlot.ImageFormat.Png));
            surface.Canvas.DrawImage(panel, x, 0);
        }
        using var image = surface.Snapshot();
        using var encoded = image.Encode(SkiaSharp.SKEncodedImageFormat.Png, 100);
        AtomicFile.Write(png, encoded.SaveTo);
        return png;
    }

    /// <summary>"Electra tiny pre-training", from run.json.</summary>
    static string Title(string runDir)
    {
        string runFile = Path.Combine(runDir, RunFolder.RunFile);
        if (!File.Exists(runFile)) return "pre-training";
        var run = JsonSerializer.Deserialize<Dictionary<string, string>>(File.ReadAllText(runFile)) ?? new();
        return $"{run.GetValueOrDefault("objective")} {run.GetValueOrDefault("preset")} pre-training";
    }
}
