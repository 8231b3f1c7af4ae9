namespace Electra.FineTuning.Prediction;

/// <summary>Sequence (and pair) classification: each text's label is the class with the highest logit at [CLS].</summary>
internal static class SequenceClassificationPrediction
{
    public static PredictionReport Run(IFineTunedEncoder model, TaskSplit split, string output, PredictionOptions options)
    {
        var labels = new LabelSet(model.Labels);
        var encoded = ClassificationPrediction.Encode(model, split, labels, options);
        int classes = labels.Count;
        var predictions = ClassificationPrediction.Rows(model, encoded, options.BatchSize, (r, _, logits, _) => new[] { ClassificationPrediction.ArgMax(logits, r * classes, classes) }); // logits [B, C]
        ClassificationPrediction.WriteTexts(split, output, i => labels.Names[predictions[i][0]]);
        return new PredictionReport(output, split.Count, "texts", split.HasLabels ? FineTuner.Score(encoded, predictions, classes, TaskKind.Sequence) : null);
    }
}
