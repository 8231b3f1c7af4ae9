using Electra.FineTuning;

namespace Electra.Tests.FineTuning;

public class MetricsTests
{
    [Fact]
    public void Accuracy_and_macro_f1_match_hand_computed_values()
    {
        // class 0: TP 1, FP 2, FN 1 → F1 2/5; class 1: TP 2, FP 1, FN 0 → 4/5; class 2 never predicted: F1 0.
        // Class 3 occurs nowhere and is left out of the average (scikit-learn's default).
        var m = ClassificationMetrics.Compute(new[] { 0, 0, 1, 1, 2, 2 }, new[] { 0, 1, 1, 1, 0, 0 }, numLabels: 4);
        Assert.Equal(0.5, m.Accuracy, 12);
        Assert.Equal((0.4 + 0.8 + 0.0) / 3, m.MacroF1, 12);
        Assert.Equal(6, m.Count);
        Assert.Equal(m.Accuracy, m.Score);
    }

    [Fact]
    public void A_missing_prediction_is_wrong_and_a_false_negative()
    {
        // class 0 perfect (F1 1); class 1's only item unpredicted (F1 0).
        var m = ClassificationMetrics.Compute(new[] { 0, 0, 1 }, new[] { 0, 0, -1 }, numLabels: 2);
        Assert.Equal(2.0 / 3, m.Accuracy, 12);
        Assert.Equal(0.5, m.MacroF1, 12);
    }

    [Fact]
    public void Perfect_predictions_score_one() =>
        Assert.Equal(new ClassificationMetrics(1, 1, 1, 3, "accuracy"), ClassificationMetrics.Compute(new[] { 2, 0, 1 }, new[] { 2, 0, 1 }, 3));

    [Fact]
    public void Mcc_matches_the_hand_computed_binary_phi()
    {
        // TP 3, TN 2, FP 1, FN 2: (3·2 − 1·2) / √((3+1)(3+2)(2+1)(2+2)) = 4 / √240.
        var m = ClassificationMetrics.Compute(new[] { 1, 1, 1, 1, 1, 0, 0, 0 }, new[] { 1, 1, 1, 0, 0, 0, 0, 1 }, 2, "mcc");
        Assert.Equal(4 / Math.Sqrt(240), m.Mcc, 12);
        Assert.Equal("mcc", m.Metric);
        Assert.Equal(m.Mcc, m.Score);
        // Always predicting one class is undefined (a zero margin): 0, as scikit-learn.
        Assert.Equal(0, ClassificationMetrics.Compute(new[] { 1, 0, 1 }, new[] { 1, 1, 1 }, 2).Mcc);
        Assert.Equal(-1, ClassificationMetrics.Compute(new[] { 1, 0 }, new[] { 0, 1 }, 2).Mcc, 12);
    }

    [Fact]
    public void Multiclass_mcc_and_the_headline_metric_per_task_shape()
    {
        // gold [0,0,1,1,2,2], predicted [0,1,1,1,0,0]: c = 3, s = 6, t = (2,2,2), p = (3,3,0):
        // (3·6 − (6+6+0)) / √((36 − 18)(36 − 12)) = 6 / √432 (scikit-learn's matthews_corrcoef gives 0.2886751).
        var m = ClassificationMetrics.Compute(new[] { 0, 0, 1, 1, 2, 2 }, new[] { 0, 1, 1, 1, 0, 0 }, 3, "macro_f1");
        Assert.Equal(6 / Math.Sqrt(432), m.Mcc, 12);
        Assert.Equal(m.MacroF1, m.Score);
        Assert.Equal("mcc", ClassificationMetrics.MetricFor(TaskKind.Sequence, 2));
        Assert.Equal("macro_f1", ClassificationMetrics.MetricFor(TaskKind.Sequence, 3));
        Assert.Equal("accuracy", ClassificationMetrics.MetricFor(TaskKind.Token, 2));
        Assert.Throws<ArgumentException>(() => ClassificationMetrics.Compute(new[] { 0 }, new[] { 0 }, 2, "f2"));
    }

    [Fact]
    public void Pearson_spearman_and_mse_match_hand_computed_values()
    {
        // x = [1,2,3,4], y = [2,1,4,3]: means 2.5; Σdxdy = 1.5·0.5·… = 3, Σdx² = Σdy² = 5 → r = 0.6.
        var m = RegressionMetrics.Compute(new double[] { 1, 2, 3, 4 }, new double[] { 2, 1, 4, 3 });
        Assert.Equal(0.6, m.Pearson, 12);
        Assert.Equal(0.6, m.Spearman, 12); // already ranks
        Assert.Equal(1.0, m.Mse, 12);
        Assert.Equal("pearson", m.Metric);
        Assert.Equal(m.Pearson, m.Score);

        // Ties take the average rank: [10, 20, 20, 30] → [1, 2.5, 2.5, 4]; against [1, 3, 2, 4] ranked [1, 3, 2, 4]:
        // deviations (−1.5, 0, 0, 1.5) and (−1.5, 0.5, −0.5, 1.5): Σ = 4.5, √(4.5 · 5) → ρ = 4.5 / √22.5.
        Assert.Equal(new[] { 1, 2.5, 2.5, 4 }, RegressionMetrics.Ranks(new double[] { 10, 20, 20, 30 }));
        var tied = RegressionMetrics.Compute(new double[] { 10, 20, 20, 30 }, new double[] { 1, 3, 2, 4 });
        Assert.Equal(4.5 / Math.Sqrt(22.5), tied.Spearman, 12);
        // A monotone but non-linear relation: Spearman 1, Pearson below.
        var curved = RegressionMetrics.Compute(new double[] { 1, 2, 3, 4 }, new double[] { 1, 4, 9, 100 });
        Assert.Equal(1, curved.Spearman, 12);
        Assert.True(curved.Pearson < 0.9);
        // A constant prediction is uncorrelated (scipy: NaN).
        Assert.Equal(0, RegressionMetrics.Compute(new double[] { 1, 2 }, new double[] { 3, 3 }).Pearson);
    }

    [Fact]
    public void Inconsistent_inputs_are_refused()
    {
        Assert.Throws<ArgumentException>(() => ClassificationMetrics.Compute(new[] { 0 }, new[] { 0, 1 }, 2));
        Assert.Throws<ArgumentException>(() => ClassificationMetrics.Compute(new[] { 2 }, new[] { 0 }, 2));
        Assert.Throws<ArgumentException>(() => ClassificationMetrics.Compute(Array.Empty<int>(), Array.Empty<int>(), 2));
    }
}
