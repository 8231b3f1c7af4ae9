using Electra.IO;

namespace Electra.FineTuning.Prediction;

/// <summary>
/// Token classification: each word's tag is the class with the highest logit at its first word piece, as fine-tuning
/// scores it; a word beyond the max length has none and is written <c>_</c> (and scored as wrong).
/// </summary>
internal static class TokenClassificationPrediction
{
    public static PredictionReport Run(IFineTunedEncoder model, TaskSplit split, string output, PredictionOptions options)
    {
        var labels = new LabelSet(model.Labels);
        var encoded = ClassificationPrediction.Encode(model, split, labels, options);
        int classes = labels.Count;
        var predictions = ClassificationPrediction.Rows(model, encoded, options.BatchSize, (r, example, logits, length) => // logits [B, T, C]
            example.Positions.Select(p => p < 0 ? -1 : ClassificationPrediction.ArgMax(logits, (r * length + p) * classes, classes)).ToArray());
        AtomicFile.Write(output, stream =>
        {
            using var w = new StreamWriter(stream, leaveOpen: true) { NewLine = "\n" };
            var sentences = split.Sentences!;
            for (int i = 0; i < sentences.Count; i++)
            {
                for (int j = 0; j < sentences[i].Words.Count; j++)
                    w.WriteLine($"{sentences[i].Words[j]}\t{(predictions[i][j] < 0 ? "_" : labels.Names[predictions[i][j]])}");
                w.WriteLine();
            }
        });
        return new PredictionReport(output, split.Count, "sentences", split.HasLabels ? FineTuner.Score(encoded, predictions, classes, TaskKind.Token) : null);
    }
}
