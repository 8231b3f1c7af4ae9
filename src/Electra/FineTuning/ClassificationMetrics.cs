namespace Electra.FineTuning;

/// <summary>
/// Accuracy and macro-F1 over scored items (texts, or words for token tasks). Macro-F1 averages the per-class
/// <c>F1 = 2TP / (2TP + FP + FN)</c> over the classes that occur in the gold labels or the predictions (scikit-learn's
/// default), so a class that occurs but is never predicted counts with F1 = 0.
/// </summary>
/// <param name="Accuracy">Fraction of items predicted correctly.</param>
/// <param name="MacroF1">Unweighted mean of per-class F1.</param>
/// <param name="Count">Number of items scored.</param>
public sealed record ClassificationMetrics(double Accuracy, double MacroF1, int Count)
{
    /// <summary>The number that picks the best epoch: accuracy (sequence tasks) or token accuracy (token tasks).</summary>
    public double Score => Accuracy;

    /// <summary>
    /// Scores <paramref name="predicted"/> against <paramref name="gold"/> (label ids in [0, <paramref name="numLabels"/>));
    /// a prediction of −1 means "none" (a word cut off by the maximum length): always wrong, a false negative of its gold class.
    /// </summary>
    public static ClassificationMetrics Compute(IReadOnlyList<int> gold, IReadOnlyList<int> predicted, int numLabels)
    {
        if (gold.Count != predicted.Count) throw new ArgumentException($"{gold.Count} gold labels but {predicted.Count} predictions");
        if (gold.Count == 0) throw new ArgumentException("nothing to score");
        var tp = new long[numLabels];
        var fp = new long[numLabels];
        var fn = new long[numLabels];
        long correct = 0;
        for (int i = 0; i < gold.Count; i++)
        {
            int g = gold[i], p = predicted[i];
            if ((uint)g >= (uint)numLabels) throw new ArgumentException($"gold label {g} at {i} is outside [0, {numLabels})");
            if (p < -1 || p >= numLabels) throw new ArgumentException($"prediction {p} at {i} is outside [-1, {numLabels})");
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
        return new ClassificationMetrics((double)correct / gold.Count, f1.Average(), gold.Count);
    }

    /// <summary>"accuracy 0.8123 macro-F1 0.7950 (n=750)".</summary>
    public override string ToString() => FormattableString.Invariant($"accuracy {Accuracy:F4} macro-F1 {MacroF1:F4} (n={Count})");
}
