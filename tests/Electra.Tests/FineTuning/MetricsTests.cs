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
        Assert.Equal(new ClassificationMetrics(1, 1, 3), ClassificationMetrics.Compute(new[] { 2, 0, 1 }, new[] { 2, 0, 1 }, 3));

    [Fact]
    public void Inconsistent_inputs_are_refused()
    {
        Assert.Throws<ArgumentException>(() => ClassificationMetrics.Compute(new[] { 0 }, new[] { 0, 1 }, 2));
        Assert.Throws<ArgumentException>(() => ClassificationMetrics.Compute(new[] { 2 }, new[] { 0 }, 2));
        Assert.Throws<ArgumentException>(() => ClassificationMetrics.Compute(Array.Empty<int>(), Array.Empty<int>(), 2));
    }
}
