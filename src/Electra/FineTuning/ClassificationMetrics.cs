using System.Text.Json.Serialization;

namespace Electra.FineTuning;

/// <summary>
/// Accuracy, macro-F1 and the Matthews correlation over scored items (texts, or words for token tasks). Macro-F1
/// averages the per-class <c>F1 = 2TP / (2TP + FP + FN)</c> over the classes that occur in the gold labels or the
/// predictions (scikit-learn's default), so a class that occurs but is never predicted counts with F1 = 0. MCC is
/// scikit-learn's <c>matthews_corrcoef</c> (the multi-class form of Gorodkin 2004, the usual φ for two classes; 0 when
/// undefined). The headline <see cref="Metric"/> follows GLUE: MCC for binary text classification (CoLA), macro-F1
/// for multi-class text classification, accuracy for tagging.
/// </summary>
/// <param name="Accuracy">Fraction of items predicted correctly.</param>
/// <param name="MacroF1">Unweighted mean of per-class F1.</param>
/// <param name="Mcc">Matthews correlation coefficient in [−1, 1].</param>
/// <param name="Count">Number of items scored.</param>
/// <param name="Metric">The headline value: <c>mcc</c>, <c>macro_f1</c> or <c>accuracy</c>.</param>
public sealed record ClassificationMetrics(double Accuracy, double MacroF1, double Mcc, int Count, string Metric) : TaskMetrics
{
    /// <inheritdoc/>
    [JsonPropertyOrder(-2)] public override string Metric { get; } = Metric is "accuracy" or "macro_f1" or "mcc" ? Metric
        : throw new ArgumentException($"classification metric '{Metric}' is not accuracy, macro_f1 or mcc");

    /// <inheritdoc/>
    public override int Count { get; } = Count;

    /// <inheritdoc/>
    [JsonPropertyOrder(-1)] public override double Score => Metric switch { "mcc" => Mcc, "macro_f1" => MacroF1, _ => Accuracy };

    /// <summary>GLUE's headline metric for a task of <paramref name="kind"/> with <paramref name="numLabels"/> classes.</summary>
    public static string MetricFor(TaskKind kind, int numLabels) =>
        kind != TaskKind.Sequence ? "accuracy" : numLabels == 2 ? "mcc" : "macro_f1";

    /// <summary>
    /// Scores <paramref name="predicted"/> against <paramref name="gold"/> (label ids in [0, <paramref name="numLabels"/>));
    /// a prediction of −1 means "none" (a word cut off by the maximum length): always wrong, a false negative of its
    /// gold class (and a class of its own for MCC).
    /// </summary>
    public static ClassificationMetrics Compute(IReadOnlyList<int> gold, IReadOnlyList<int> predicted, int numLabels, string metric = "accuracy")
    {
        if (gold.Count != predicted.Count) throw new ArgumentException($"{gold.Count} gold labels but {predicted.Count} predictions");
        if (gold.Count == 0) throw new ArgumentException("nothing to score");
        var tp = new long[numLabels];
        var fp = new long[numLabels];
        var fn = new long[numLabels];
        var goldCount = new long[numLabels + 1];
        var predictedCount = new long[numLabels + 1]; // the last bucket: "none"
        long correct = 0;
        for (int i = 0; i < gold.Count; i++)
        {
            int g = gold[i], p = predicted[i];
            if ((uint)g >= (uint)numLabels) throw new ArgumentException($"gold label {g} at {i} is outside [0, {numLabels})");
            if (p < -1 || p >= numLabels) throw new ArgumentException($"prediction {p} at {i} is outside [-1, {numLabels})");
            goldCount[g]++;
            predictedCount[p < 0 ? numLabels : p]++;
            if (g == p)
            {
                correct++;
                tp[g]++;
                continue;
            }
            fn[g]++;
            if (p >= 0) fp[p]++;
        }
        var f1 = Enumerable.Range(0, numLabels).Where(c => tp[c] + fp[c] + fn[c] > 0).Select(c => 2.0 * tp[c] / (2 * tp[c] + fp[c] + fn[c])).ToList();
        return new ClassificationMetrics((double)correct / gold.Count, f1.Average(), Matthews(correct, gold.Count, goldCount, predictedCount), gold.Count, metric);
    }

    /// <summary>scikit-learn's <c>matthews_corrcoef</c> from the confusion matrix's margins: (c·s − Σ pₖtₖ) / √((s² − Σ pₖ²)(s² − Σ tₖ²)).</summary>
    static double Matthews(long correct, long total, long[] goldCount, long[] predictedCount)
    {
        double s = total, c = correct, pt = 0, pp = 0, tt = 0;
        for (int k = 0; k < goldCount.Length; k++)
        {
            pt += (double)predictedCount[k] * goldCount[k];
            pp += (double)predictedCount[k] * predictedCount[k];
            tt += (double)goldCount[k] * goldCount[k];
        }
        double denominator = Math.Sqrt((s * s - pp) * (s * s - tt));
        return denominator == 0 ? 0 : (c * s - pt) / denominator;
    }

    /// <summary>"mcc 0.6120 (accuracy 0.8123 macro-F1 0.7950 n=750)".</summary>
    public override string ToString() => FormattableString.Invariant(
        $"{Metric} {Score:F4} (accuracy {Accuracy:F4} macro-F1 {MacroF1:F4} mcc {Mcc:F4} n={Count})");
}
