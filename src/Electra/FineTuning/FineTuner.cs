using Electra.Modeling;
using Electra.Tokenization;
using static TorchSharp.torch;

namespace Electra.FineTuning;

/// <summary>
/// Prediction and scoring with a fine-tuned <see cref="ElectraClassifier"/> (sequence, token or regression head), in
/// length-sorted batches padded to their longest example. Fine-tuning itself is <c>Tasks.FineTune.Run</c> with a
/// <see cref="ClassificationTask"/>.
/// </summary>
public static class FineTuner
{
    /// <summary>
    /// Rows padded to the longest: ids/mask/types [B, T] and targets, [B] label ids for texts, [B] float values for
    /// regression, or [B, T] with the word label on each first piece and −100 (ignored by the loss) elsewhere.
    /// </summary>
    internal static (Tensor Ids, Tensor Mask, Tensor Types, Tensor Targets) Collate(IReadOnlyList<EncodedExample> rows, int padId, TaskKind kind)
    {
        var batch = BatchEncoding.Pad(rows.Select(r => r.Ids).ToList(), rows.Select(r => r.TypeIds).ToList(), padId);
        int B = batch.BatchSize, T = batch.SequenceLength;
        var targets = new long[kind == TaskKind.Token ? B * T : B];
        if (kind == TaskKind.Token) Array.Fill(targets, -100L);
        for (int r = 0; r < B; r++)
        {
            var row = rows[r];
            if (kind != TaskKind.Token) targets[r] = row.Gold[0];
            else
                for (int w = 0; w < row.Positions.Length; w++)
                    if (row.Positions[w] >= 0) targets[r * T + row.Positions[w]] = row.Gold[w];
        }
        long[] shape = { B, T };
        var gold = kind switch
        {
            TaskKind.Regression => tensor(rows.Select(r => (float)r.Target).ToArray()),
            TaskKind.Token => tensor(targets, shape),
            _ => tensor(targets),
        };
        return (tensor(batch.InputIds, shape), tensor(batch.AttentionMask, shape), tensor(batch.TokenTypeIds, shape), gold);
    }

    /// <summary>
    /// Predicted label id per scored position of every example (−1 where a word lies beyond the encoding), in eval mode
    /// without gradients; examples run sorted by length so batches carry little padding.
    /// </summary>
    public static int[][] Predict(ElectraClassifier model, IReadOnlyList<EncodedExample> examples, int padId, int batchSize = 128)
    {
        if (model.Kind == TaskKind.Regression) throw new ArgumentException("a regression model predicts values: use PredictValues");
        var result = new int[examples.Count][];
        ForEachBatch(model, examples, padId, batchSize, (batch, rows, logits) =>
        {
            long T = logits.shape[1];
            var host = logits.argmax(-1).data<long>().ToArray(); // sync: evaluation reads the predictions; [B] or [B, T]
            for (int r = 0; r < rows.Count; r++)
                result[batch[r]] = model.Kind == TaskKind.Sequence
                    ? new[] { (int)host[r] }
                    : rows[r].Positions.Select(p => p < 0 ? -1 : (int)host[r * T + p]).ToArray();
        });
        return result;
    }

    /// <summary>The class probabilities (softmax of the logits) of every example of a sequence model, in eval mode without gradients.</summary>
    public static float[][] PredictProbabilities(ElectraClassifier model, IReadOnlyList<EncodedExample> examples, int padId, int batchSize = 128)
    {
        if (model.Kind != TaskKind.Sequence) throw new ArgumentException($"a {model.Kind.ToString().ToLowerInvariant()} model has no class probabilities per text");
        var result = new float[examples.Count][];
        ForEachBatch(model, examples, padId, batchSize, (batch, rows, logits) =>
        {
            var host = logits.softmax(-1).data<float>().ToArray(); // sync: the probabilities are the output; [B, C]
            int classes = (int)logits.shape[1];
            for (int r = 0; r < rows.Count; r++) result[batch[r]] = host.AsSpan(r * classes, classes).ToArray();
        });
        return result;
    }

    /// <summary>The predicted value of every example of a regression model, in eval mode without gradients.</summary>
    public static double[] PredictValues(ElectraClassifier model, IReadOnlyList<EncodedExample> examples, int padId, int batchSize = 128)
    {
        if (model.Kind != TaskKind.Regression) throw new ArgumentException($"a {model.Kind.ToString().ToLowerInvariant()} model predicts labels: use Predict");
        var result = new double[examples.Count];
        ForEachBatch(model, examples, padId, batchSize, (batch, rows, logits) =>
        {
            var host = logits.squeeze(-1).data<float>().ToArray(); // sync: evaluation reads the predictions; [B]
            for (int r = 0; r < rows.Count; r++) result[batch[r]] = host[r];
        });
        return result;
    }

    /// <summary>Runs the model over <paramref name="examples"/> in length-sorted batches and hands each batch's indices, rows and logits to <paramref name="read"/>.</summary>
    static void ForEachBatch(ElectraClassifier model, IReadOnlyList<EncodedExample> examples, int padId, int batchSize,
        Action<int[], IReadOnlyList<EncodedExample>, Tensor> read)
    {
        if (batchSize < 1) throw new ArgumentOutOfRangeException(nameof(batchSize), batchSize, "must be ≥ 1");
        PositionLimit.Check(examples.Count == 0 ? 0 : examples.Max(e => e.Length), model.Config.MaxPositionEmbeddings);
        model.eval();
        using var noGrad = no_grad();
        foreach (var batch in LengthBatching.Batches(examples.Select(e => e.Length).ToArray(), batchSize))
        {
            using var scope = NewDisposeScope();
            var rows = batch.Select(i => examples[i]).ToList();
            var (ids, mask, types, _) = Collate(rows, padId, model.Kind);
            read(batch, rows, model.call(ids, mask, types));
        }
    }

    /// <summary>
    /// Scores <paramref name="predictions"/> (from <see cref="Predict"/>) against the examples' gold labels, with the
    /// headline metric of <paramref name="kind"/> (<see cref="ClassificationMetrics.MetricFor"/>).
    /// </summary>
    public static ClassificationMetrics Score(IReadOnlyList<EncodedExample> examples, IReadOnlyList<int[]> predictions, int numLabels, TaskKind kind) =>
        ClassificationMetrics.Compute(examples.SelectMany(e => e.Gold).ToList(), predictions.SelectMany(p => p).ToList(), numLabels, ClassificationMetrics.MetricFor(kind, numLabels));

    /// <summary>Scores regression <paramref name="predictions"/> (from <see cref="PredictValues"/>) against the examples' gold values.</summary>
    public static RegressionMetrics Score(IReadOnlyList<EncodedExample> examples, IReadOnlyList<double> predictions) =>
        RegressionMetrics.Compute(examples.Select(e => e.Target).ToList(), predictions);

    /// <summary>Predicts and scores: <see cref="RegressionMetrics"/> for regression, else <see cref="ClassificationMetrics"/>.</summary>
    public static TaskMetrics Evaluate(ElectraClassifier model, IReadOnlyList<EncodedExample> examples, int padId, int batchSize = 128) =>
        model.Kind == TaskKind.Regression
            ? Score(examples, PredictValues(model, examples, padId, batchSize))
            : Score(examples, Predict(model, examples, padId, batchSize), model.Labels.Count, model.Kind);
}
