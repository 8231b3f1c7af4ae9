using System.Text.Json;
using System.Text.Json.Nodes;
using Electra.IO;
using Electra.Pretraining;
using TorchSharp;

namespace Electra.Training;

/// <summary>
/// The run's metrics: one JSON object per line in <c>metrics.jsonl</c> (<c>{"step", "split", …}</c>) and the same
/// scalars as TensorBoard events under <c>events/</c>. On resume, lines after the checkpoint's step are dropped so the
/// log matches the restored run.
/// </summary>
public sealed class MetricsLog : IDisposable
{
    readonly string path;
    readonly StreamWriter writer;
    readonly TorchSharp.Modules.SummaryWriter? events;

    /// <summary>Opens (and, when resuming at <paramref name="resumeStep"/>, trims) <c>DIR/metrics.jsonl</c>.</summary>
    public MetricsLog(string dir, long resumeStep, bool writeEvents)
    {
        path = Path.Combine(dir, RunFolder.MetricsFile);
        if (File.Exists(path))
        {
            var kept = File.ReadLines(path).Where(l => Parse(l) is { } r && r.Step <= resumeStep && resumeStep > 0).ToList();
            AtomicFile.WriteAllText(path, kept.Count > 0 ? string.Join("\n", kept) + "\n" : "");
        }
        writer = new StreamWriter(new FileStream(path, FileMode.Append, FileAccess.Write, FileShare.Read)) { AutoFlush = true };
        if (writeEvents) events = torch.utils.tensorboard.SummaryWriter(Path.Combine(dir, RunFolder.Events));
    }

    /// <summary>Appends one record.</summary>
    public void Write(long step, string split, IReadOnlyDictionary<string, double> values)
    {
        var obj = new JsonObject { ["step"] = step, ["split"] = split };
        foreach (var (k, v) in values) obj[k] = double.IsFinite(v) ? v : null;
        writer.WriteLine(obj.ToJsonString());
        if (events is null) return;
        foreach (var (k, v) in values)
            if (double.IsFinite(v)) events.add_scalar($"{split}/{k}", (float)v, (int)Math.Min(step, int.MaxValue));
    }

    /// <summary>The records of a <c>metrics.jsonl</c> file, in order, as the figures they hold; lines cut short by a kill are skipped.</summary>
    public static IEnumerable<MetricsRecord> Read(string path) => File.ReadLines(path).Select(Parse).OfType<MetricsRecord>();

    static MetricsRecord? Parse(string line)
    {
        try
        {
            var obj = JsonNode.Parse(line)?.AsObject();
            if (obj?["step"] is not JsonValue s || obj["split"] is not JsonValue sp) return null;
            var values = obj.Where(kv => kv.Key is not "step" and not "split" && kv.Value is JsonValue)
                .ToDictionary(kv => kv.Key, kv => kv.Value!.GetValue<double>());
            return new MetricsRecord(s.GetValue<long>(), sp.GetValue<string>(), PretrainingMetrics.FromDictionary(values));
        }
        catch (Exception e) when (e is JsonException or InvalidOperationException or FormatException)
        {
            return null; // a line cut short by a kill: dropped
        }
    }

    /// <summary>Closes the files.</summary>
    public void Dispose()
    {
        writer.Dispose();
    }
}

/// <summary>One record of <c>metrics.jsonl</c>: the step, the split (train or validation) and its figures.</summary>
/// <param name="Step">The optimizer step the figures are of.</param>
/// <param name="Split"><c>train</c> (a log interval) or <c>validation</c> (a held-out evaluation).</param>
/// <param name="Metrics">The objective's figures.</param>
public sealed record MetricsRecord(long Step, string Split, PretrainingMetrics Metrics);
