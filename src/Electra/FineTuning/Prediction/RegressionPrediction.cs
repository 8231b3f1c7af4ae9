using System.Globalization;

namespace Electra.FineTuning.Prediction;

/// <summary>Regression: each text's value is the head's one output at [CLS], written with 4 decimals.</summary>
internal static class RegressionPrediction
{
    public static PredictionReport Run(IFineTunedEncoder model, TaskSplit split, string output, PredictionOptions options)
    {
        var encoded = ClassificationPrediction.Encode(model, split, LabelSet.Regression, options);
        var values = ClassificationPrediction.Rows(model, encoded, options.BatchSize, (r, _, logits, _) => (double)logits[r]); // logits [B, 1]
        ClassificationPrediction.WriteTexts(split, output, i => Format(values[i]));
        return new PredictionReport(output, split.Count, "texts", split.HasLabels ? FineTuner.Score(encoded, values) : null);
    }

    /// <summary>
    /// A value as written: 4 decimals, invariant culture. The two runtimes' float32 sums differ in the last bits (about
    /// 1e-6), so the full value would differ between them; 4 decimals write the same file unless a value lies within
    /// that noise of a rounding boundary.
    /// </summary>
    static string Format(double value) => value.ToString("F4", CultureInfo.InvariantCulture);
}
