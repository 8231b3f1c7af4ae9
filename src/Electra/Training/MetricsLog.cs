using System.Text.Json;
using System.Text.Json.Nodes;
using TorchSharp;

namespace Electra.Training;

/// <summary>
/// The run's metrics: one JSON object per line in <c>metrics.jsonl</c> (<c>{"step", "split", …}</c>), the same
/// scalars as TensorBoard events under <c>events/</c>, and a loss/accuracy plot (<c>training.png</c>).
/// On resume, lines after the checkpoint's step are dropped so the log matches the restored run.
/// </summary>
public sealed class MetricsLog : IDisposable
{
    readonly string path;
    readonly StreamWriter writer;
    readonly TorchSharp.Modules.SummaryWriter? events;
    readonly List<(long Step, string Split, Dictionary<string, double> Values)> history = new();

    /// <summary>Opens (and, when resuming at <paramref name="resumeStep"/>, trims) <c>DIR/metrics.jsonl</c>.</summary>
    public MetricsLog(string dir, long resumeStep, bool writeEvents)
    {
        path = Path.Combine(dir, "metrics.jsonl");
        if (File.Exists(path))
        {
            var kept = File.ReadLines(path).Where(l => Parse(l) is { } r && r.Step <= resumeStep && resumeStep > 0).ToList();
            Interop.AtomicFile.WriteAllText(path, kept.Count > 0 ? string.Join("\n", kept) + "\n" : "");
            foreach (string l in kept) history.Add(Parse(l)!.Value);
        }
        writer = new StreamWriter(new FileStream(path, FileMode.Append, FileAccess.Write, FileShare.Read)) { AutoFlush = true };
        if (writeEvents) events = torch.utils.tensorboard.SummaryWriter(Path.Combine(dir, "events"));
    }

    /// <summary>Appends one record.</summary>
    public void Write(long step, string split, IReadOnlyDictionary<string, double> values)
    {
        var obj = new JsonObject { ["step"] = step, ["split"] = split };
        foreach (var (k, v) in values) obj[k] = double.IsFinite(v) ? v : null;
        writer.WriteLine(obj.ToJsonString());
        history.Add((step, split, values.ToDictionary()));
        if (events is null) return;
        foreach (var (k, v) in values)
            if (double.IsFinite(v)) events.add_scalar($"{split}/{k}", (float)v, (int)Math.Min(step, int.MaxValue));
    }

    static (long Step, string Split, Dictionary<string, double> Values)? Parse(string line)
    {
        try
        {
            var obj = JsonNode.Parse(line)?.AsObject();
            if (obj?["step"] is not JsonValue s || obj["split"] is not JsonValue sp) return null;
            var values = obj.Where(kv => kv.Key is not "step" and not "split" && kv.Value is JsonValue)
                .ToDictionary(kv => kv.Key, kv => kv.Value!.GetValue<double>());
            return (s.GetValue<long>(), sp.GetValue<string>(), values);
        }
        catch (Exception e) when (e is JsonException or InvalidOperationException or FormatException)
        {
            return null; // a line cut short by a kill: dropped
        }
    }

    /// <summary>Writes the loss (left) and accuracy (right) curves of train and validation to <paramref name="png"/>.</summary>
    public void Plot(string png, string title)
    {
        var loss = new ScottPlot.Plot();
        var accuracy = new ScottPlot.Plot();
        void Series(ScottPlot.Plot plot, string split, string key, string label)
        {
            var points = history.Where(h => h.Split == split && h.Values.ContainsKey(key)).ToList();
            if (points.Count == 0) return;
            var line = plot.Add.Scatter(points.Select(p => (double)p.Step).ToArray(), points.Select(p => p.Values[key]).ToArray());
            line.LegendText = label;
            line.MarkerSize = split == "train" ? 0 : 5;
        }
        foreach (string split in new[] { "train", "validation" })
        {
            Series(loss, split, "gen_loss", $"{split} generator/MLM loss");
            Series(loss, split, "disc_loss", $"{split} discriminator loss");
            Series(accuracy, split, "mlm_accuracy", $"{split} masked-LM accuracy");
            Series(accuracy, split, "disc_accuracy", $"{split} discriminator accuracy");
            Series(accuracy, split, "disc_auc", $"{split} discriminator AUC");
        }
        loss.Title(title);
        loss.XLabel("step");
        loss.YLabel("loss");
        accuracy.Title("accuracy");
        accuracy.XLabel("step");
        loss.ShowLegend();
        accuracy.ShowLegend();
        const int Width = 600, Height = 450;
        using var surface = SkiaSharp.SKSurface.Create(new SkiaSharp.SKImageInfo(2 * Width, Height));
        // Each plot renders alone (Render clears the whole canvas), then the two images go side by side.
        foreach (var (plot, x) in new[] { (loss, 0), (accuracy, Width) })
        {
            using var panel = SkiaSharp.SKImage.FromEncodedData(plot.GetImageBytes(Width, Height, ScottPlot.ImageFormat.Png));
            surface.Canvas.DrawImage(panel, x, 0);
        }
        using var image = surface.Snapshot();
        using var encoded = image.Encode(SkiaSharp.SKEncodedImageFormat.Png, 100);
        Interop.AtomicFile.Write(png, encoded.SaveTo);
    }

    /// <summary>Closes the files.</summary>
    public void Dispose()
    {
        writer.Dispose();
    }
}
