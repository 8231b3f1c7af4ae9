using System.Text.Json.Serialization;

namespace Electra.FineTuning;

/// <summary>
/// GLUE's STS-B scores for a regression task: Pearson's r of predictions and gold values, Spearman's ρ (Pearson's r of
/// their ranks, ties sharing the average of the ranks they span, as scipy's <c>spearmanr</c>), and the mean squared
/// error. A correlation with a constant side is undefined (scipy gives NaN); it is reported as 0 here so a model that
/// predicts one value for everything scores as uncorrelated. The headline <see cref="Metric"/> is Pearson, as
/// google-research/electra reports for STS-B.
/// </summary>
/// <param name="Pearson">Pearson correlation in [−1, 1].</param>
/// <param name="Spearman">Spearman rank correlation in [−1, 1].</param>
/// <param name="Mse">Mean squared error (the training loss's measure).</param>
/// <param name="Count">Number of items scored.</param>
public sealed record RegressionMetrics(double Pearson, double Spearman, double Mse, int Count) : TaskMetrics
{
    /// <inheritdoc/>
    [JsonPropertyOrder(-2)] public override string Metric => "pearson";

    /// <inheritdoc/>
    [JsonPropertyOrder(-1)] public override double Score => Pearson;

    /// <inheritdoc/>
    public override int Count { get; } = Count;

    /// <summary>Scores <paramref name="predicted"/> against <paramref name="gold"/>, item by item.</summary>
    public static RegressionMetrics Compute(IReadOnlyList<double> gold, IReadOnlyList<double> predicted)
    {
        if (gold.Count != predicted.Count) throw new ArgumentException($"{gold.Count} gold values but {predicted.Count} predictions");
        if (gold.Count == 0) throw new ArgumentException("nothing to score");
        if (gold.Concat(predicted).Any(v => !double.IsFinite(v))) throw new ArgumentException("values must be finite");
        double mse = gold.Zip(predicted, (g, p) => (g - p) * (g - p)).Average();
        return new RegressionMetrics(Correlation(gold, predicted), Correlation(Ranks(gold), Ranks(predicted)), mse, gold.Count);
    }

    /// <summary>Pearson's r; 0 when either side has no variance.</summary>
    public static double Correlation(IReadOnlyList<double> x, IReadOnlyList<double> y)
    {
        double mx = x.Average(), my = y.Average(), sxy = 0, sxx = 0, syy = 0;
        for (int i = 0; i < x.Count; i++)
        {
            double dx = x[i] - mx, dy = y[i] - my;
            sxy += dx * dy;
            sxx += dx * dx;
            syy += dy * dy;
        }
        return sxx == 0 || syy == 0 ? 0 : Math.Clamp(sxy / Math.Sqrt(sxx * syy), -1, 1);
    }

    /// <summary>1-based ranks; tied values all get the mean of the ranks they occupy ([10, 20, 20, 30] → [1, 2.5, 2.5, 4]).</summary>
    public static double[] Ranks(IReadOnlyList<double> values)
    {
        var order = Enumerable.Range(0, values.Count).OrderBy(i => values[i]).ToArray();
        var ranks = new double[values.Count];
        for (int start = 0; start < order.Length;)
        {
            int end = start;
            while (end + 1 < order.Length && values[order[end + 1]] == values[order[start]]) end++;
            double rank = (start + end) / 2.0 + 1;
            for (int i = start; i <= end; i++) ranks[order[i]] = rank;
            start = end + 1;
        }
        return ranks;
    }

    /// <summary>"pearson 0.8123 (spearman 0.7950 mse 0.0312 n=750)".</summary>
    public override string ToString() => FormattableString.Invariant($"pearson {Pearson:F4} (spearman {Spearman:F4} mse {Mse:F4} n={Count})");
}
