namespace Electra.FineTuning.Prediction;

/// <summary>Sequence (and pair) classification: each text's label is the class with the highest logit at [CLS].</summary>
internal static class SequenceClassificationPrediction
{
    public static PredictionReport Run(IFineTunedEncoder model, TaskSplit split, string output, PredictionOptions options)
    {
        var labels = new LabelSet(model.Labels);
        var encoded = Predictor.Encode(model, split, labels, options);
        int classes = labels.Count;
        var predictions = Predictor.Rows(model, encoded, options.BatchSize, (r, _, logits, _) => new[] { Predictor.ArgMax(logits, r * classes, classes) }); // logits [B, C]
        Predictor.WriteTexts(split, output, i => labels.Names[predictions[i][0]]);
        return new PredictionReport(output, split.Count, "texts", split.HasLabels ? FineTuner.Score(encoded, predictions, classes, TaskKind.Sequence) : null);
    }
}
