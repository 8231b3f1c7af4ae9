using System.Diagnostics;
using Electra.IO;
using Electra.Interop;
using Electra.Optimization;
using Electra.Tokenization;
using TorchSharp;
using static TorchSharp.torch;

namespace Electra.FineTuning;

/// <summary>
/// google-research/electra's fine-tuning recipe: <see cref="AdamWeightDecay"/>, the optimizer and clipping path of
/// pre-training (global-norm clipping at 1.0, a non-finite step skipped; bias correction on when the warmup is shorter
/// than <see cref="OptimizerOptions.ShortWarmup"/> steps, as it is for any fine-tuning run here) over <see cref="LayerwiseLearningRates"/> groups, linear warmup over the first 10% of steps and linear decay to 0
/// (<see cref="LearningRateSchedule"/>), shuffled batches padded to their longest example, dev evaluation after every
/// epoch, and the best epoch's weights kept and scored on test. Deterministic for a seed on CPU.
/// </summary>
public static class FineTuner
{
    /// <summary>
    /// Fine-tunes the model folder <paramref name="modelDir"/> (any pre-trained or fine-tuned ELECTRA folder with its
    /// <c>vocab.txt</c>; with <see cref="FineTuneOptions.RandomInit"/> only its config and vocabulary are used) on the
    /// task folder <paramref name="taskDir"/>. With <paramref name="outputDir"/>, writes the best model there in HF
    /// layout with the tokenizer files and <c>results.json</c>, under the output-folder rule (<see cref="OutputFolder"/>:
    /// refused before any work when it is the model or task folder or holds files electra did not write; files a user
    /// put beside an earlier fine-tune's output are kept).
    /// </summary>
    public static FineTuneResult Run(string modelDir, string taskDir, FineTuneOptions options, string? outputDir = null,
        IProgress<FineTuneProgress>? progress = null, CancellationToken cancellationToken = default)
    {
        options.Validate();
        if (outputDir is not null) CheckOutput(outputDir, modelDir, taskDir);
        return Run(modelDir, FineTuningTask.Load(taskDir), options, outputDir, progress, cancellationToken);
    }

    /// <summary>
    /// <see cref="Run(string, string, FineTuneOptions, string?, IProgress{FineTuneProgress}?, CancellationToken)"/> on
    /// a task already in memory (<see cref="TaskSplit.FromTexts"/>, <see cref="TaskSplit.FromSentences"/>): the same
    /// recipe, so the same files and seed give the same model.
    /// </summary>
    public static FineTuneResult Run(string modelDir, FineTuningTask task, FineTuneOptions options, string? outputDir = null,
        IProgress<FineTuneProgress>? progress = null, CancellationToken cancellationToken = default)
    {
        options.Validate();
        if (outputDir is not null) CheckOutput(outputDir, modelDir, null);
        var config = Pretrained.ReadConfig(modelDir);
        var tokenizer = ElectraClassifier.LoadTokenizer(modelDir, config);
        torch.manual_seed(options.Seed);
        TransferReport? transfer = null;
        ElectraClassifier model;
        if (options.RandomInit) model = ElectraClassifier.Create(task.Kind, config, task.Labels);
        else (model, transfer) = ElectraClassifier.FromPretrained(modelDir, task.Kind, task.Labels);
        using (model)
        {
            var result = Train(model, tokenizer, task, options, progress, cancellationToken) with { Transfer = transfer };
            if (outputDir is not null)
                OutputFolder.Commit(outputDir, Owner, dir =>
                {
                    model.Save(dir, modelDir);
                    AtomicFile.WriteAllText(Path.Combine(dir, "results.json"), result.ToJson());
                });
            return result;
        }
    }

    /// <summary>The command a fine-tuned folder's marker names (every task kind: one output-folder owner).</summary>
    internal const string Owner = "finetune";

    /// <summary>
    /// Refuses, before any work, a fine-tuning output folder that would lose files: the model or task folder (or one
    /// holding them), a folder of files electra did not write, another command's folder (<see cref="OutputFolder.Check"/>).
    /// </summary>
    internal static void CheckOutput(string outputDir, string modelDir, string? taskDir) =>
        OutputFolder.Check(outputDir, Owner, "--out", (modelDir, "--model"), (taskDir, "--task"));

    /// <summary>
    /// Trains <paramref name="model"/> on <paramref name="task"/> in place and leaves it holding the best epoch's
    /// weights. Dropout and shuffling are seeded from <see cref="FineTuneOptions.Seed"/> here; seed torch before
    /// building the model for a reproducible head. <paramref name="tokenizer"/> is the model folder's
    /// (<see cref="ElectraClassifier.LoadTokenizer"/>) or any Microsoft.ML.Tokenizers tokenizer over the model's vocabulary
    /// (<see cref="TokenizerAdapter"/>), checked against the model before any work.
    /// </summary>
    public static FineTuneResult Train(ElectraClassifier model, Microsoft.ML.Tokenizers.Tokenizer tokenizer, FineTuningTask task, FineTuneOptions options,
        IProgress<FineTuneProgress>? progress = null, CancellationToken cancellationToken = default) =>
        Train(model, TokenizerAdapter.Create(tokenizer), task, options, progress, cancellationToken);

    /// <summary>
    /// <see cref="Train(ElectraClassifier, Microsoft.ML.Tokenizers.Tokenizer, FineTuningTask, FineTuneOptions, IProgress{FineTuneProgress}?, CancellationToken)"/>
    /// with a tokenizer whose vocabulary is given (<see cref="TokenizerAdapter.Create"/>), e.g. a subclass of your own.
    /// </summary>
    public static FineTuneResult Train(ElectraClassifier model, TokenizerAdapter tokenizer, FineTuningTask task, FineTuneOptions options,
        IProgress<FineTuneProgress>? progress = null, CancellationToken cancellationToken = default)
    {
        ElectraClassifier.CheckTokenizer(tokenizer, model.Config, tokenizer.Tokenizer.GetType().Name);
        options.Validate();
        if (model.Kind != task.Kind) throw new ArgumentException($"a {model.Kind} model cannot learn the {task.Kind} task {task.Name}");
        if (!model.Labels.Names.SequenceEqual(task.Labels.Names)) throw new ArgumentException($"the model's labels [{string.Join(", ", model.Labels.Names)}] are not the task's [{string.Join(", ", task.Labels.Names)}]");
        CheckMaxLength(model, options.MaxLength);
        var clock = Stopwatch.StartNew();
        torch.manual_seed(options.Seed);

        var train = (options.MaxTrainExamples is int n ? task.Train.Subsample(n, options.Seed) : task.Train).Encode(tokenizer, task.Labels, options.MaxLength);
        var dev = task.Dev.Encode(tokenizer, task.Labels, options.MaxLength);
        var test = task.Test?.Encode(tokenizer, task.Labels, options.MaxLength);

        var (epochs, bestEpoch) = FineTuningLoop.Run(model, model.Config.NumHiddenLayers, train, options,
            rows => Loss(model, rows, tokenizer.PadId),
            () => Evaluate(model, dev, tokenizer.PadId, options.EvalBatchSize), metrics => metrics.Score,
            progress is null ? null : (epoch, step, total, loss, metrics, elapsed) => progress.Report(new FineTuneProgress(epoch, step, total, loss, metrics, elapsed)),
            cancellationToken, e => e.Length);
        var testMetrics = test is null ? null : Evaluate(model, test, tokenizer.PadId, options.EvalBatchSize);
        var best = epochs[bestEpoch - 1];
        return new FineTuneResult(task.Name, task.Kind, task.Labels.Names, train.Length, best.Dev, testMetrics,
            bestEpoch, epochs.Select(e => new EpochResult(e.Number, e.TrainLoss, e.Dev, e.Seconds)).ToList(), options, null, clock.Elapsed.TotalSeconds);
    }

    /// <summary>The mean cross-entropy of <paramref name="rows"/> (for tokens, over scored positions only).</summary>
    static Tensor Loss(ElectraClassifier model, IReadOnlyList<EncodedExample> rows, int padId)
    {
        var (ids, mask, types, targets) = Collate(rows, padId, model.Kind);
        var logits = model.call(ids, mask, types); // [B, C], [B, T, C] or [B, 1]
        return model.Kind == TaskKind.Regression
            ? nn.functional.mse_loss(logits.squeeze(-1), targets) // [B] against the gold values, as HF's MSELoss
            : nn.functional.cross_entropy(logits.reshape(-1, logits.shape[^1]), targets.reshape(-1)); // ignores -100
    }

    /// <summary>
    /// Rows padded to the longest: ids/mask/types [B, T] and targets, [B] label ids for texts, [B] float values for
    /// regression, or [B, T] with the word label on each first piece and −100 (ignored by the loss) elsewhere.
    /// </summary>
    static (Tensor Ids, Tensor Mask, Tensor Types, Tensor Targets) Collate(IReadOnlyList<EncodedExample> rows, int padId, TaskKind kind)
    {
        int B = rows.Count, T = rows.Max(r => r.Length);
        var ids = new long[B * T];
        var mask = new long[B * T];
        var types = new long[B * T];
        var targets = new long[kind == TaskKind.Token ? B * T : B];
        Array.Fill(ids, padId);
        if (kind == TaskKind.Token) Array.Fill(targets, -100L);
        for (int r = 0; r < B; r++)
        {
            var row = rows[r];
            for (int t = 0; t < row.Length; t++)
            {
                ids[r * T + t] = row.Ids[t];
                types[r * T + t] = row.TypeIds[t];
                mask[r * T + t] = 1;
            }
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
        return (tensor(ids, shape), tensor(mask, shape), tensor(types, shape), gold);
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
        CheckMaxLength(model, examples.Count == 0 ? 0 : examples.Max(e => e.Length));
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

    static void CheckMaxLength(ElectraClassifier model, int maxLength)
    {
        if (maxLength > model.Config.MaxPositionEmbeddings)
            throw new ArgumentException($"max length {maxLength} exceeds the model's max_position_embeddings {model.Config.MaxPositionEmbeddings}");
    }
}
