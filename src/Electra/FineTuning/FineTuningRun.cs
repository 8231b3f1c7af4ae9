using System.Diagnostics;
using Electra.IO;
using Electra.Modeling;
using TorchSharp;
using static TorchSharp.torch;

namespace Electra.FineTuning;

/// <summary>
/// A task's encoded splits, ready to train on (<see cref="FineTuningTask.Prepare"/>). Derive from
/// <see cref="FineTuningRun{TModel, TExample}"/>, which implements the run.
/// </summary>
public abstract class FineTuningRun
{
    /// <summary>For <see cref="FineTuningRun{TModel, TExample}"/>.</summary>
    protected FineTuningRun() { }

    /// <summary>
    /// Seeds torch, builds the model, trains it with <see cref="FineTuningLoop"/> and keeps the best epoch's weights,
    /// scores test, and with <paramref name="outputDir"/> commits the output folder with <c>results.json</c>.
    /// </summary>
    internal abstract FineTuneResult Train(FineTuningTask task, string modelDir, ElectraConfig config, FineTuneOptions options, string? outputDir,
        IProgress<FineTuneProgress>? progress, CancellationToken cancellationToken);
}

/// <summary>
/// What a task kind does in a run: build its model (pre-trained or random), its loss on a batch of encoded
/// <typeparamref name="TExample"/>s, its dev and test evaluation, and its output files. The recipe around it (seeding,
/// the optimizer, the epoch loop, the best epoch, <c>results.json</c>) is the same for every kind.
/// </summary>
/// <typeparam name="TModel">The kind's model: an ELECTRA encoder with a task head.</typeparam>
/// <typeparam name="TExample">One encoded training item (an example, a window, a pair).</typeparam>
public abstract class FineTuningRun<TModel, TExample> : FineTuningRun where TModel : nn.Module
{
    /// <summary>A run over the (already subsampled) encoded training items.</summary>
    protected FineTuningRun(IReadOnlyList<TExample> train) => TrainingItems = train;

    /// <summary>The encoded training items the loop shuffles and batches.</summary>
    protected IReadOnlyList<TExample> TrainingItems { get; }

    /// <summary>Training examples used, for <see cref="FineTuneResult.TrainExamples"/> (the items' count unless an example makes several).</summary>
    protected virtual int TrainExamples => TrainingItems.Count;

    /// <summary>The classes by id for <see cref="FineTuneResult.Labels"/> (none by default).</summary>
    protected virtual IReadOnlyList<string>? Labels => Array.Empty<string>();

    /// <summary>The smallest batch worth a step (in-batch negatives need two); a smaller last batch of an epoch is skipped.</summary>
    protected virtual int MinBatch => 1;

    /// <summary>Questions cut to the max query length in every split (question answering), for <see cref="FineTuneProgress.TruncatedQuestions"/>.</summary>
    protected virtual int TruncatedQuestions => 0;

    /// <summary>
    /// The model: the pre-trained encoder of <paramref name="modelDir"/> with a fresh head, or with
    /// <see cref="FineTuneOptions.RandomInit"/> one built from <paramref name="config"/>; and which tensors were taken
    /// (null for random initialisation). Torch is seeded before.
    /// </summary>
    protected abstract (TModel Model, TransferReport? Transfer) CreateModel(string modelDir, ElectraConfig config, FineTuneOptions options);

    /// <summary>The mean loss of a training batch (a scalar tensor with gradients).</summary>
    protected abstract Tensor Loss(TModel model, IReadOnlyList<TExample> batch);

    /// <summary>Dev metrics after an epoch; their <see cref="TaskMetrics.Score"/> picks the best epoch.</summary>
    protected abstract TaskMetrics EvaluateDev(TModel model);

    /// <summary>Test metrics with the best epoch's weights (and its dev metrics, e.g. a threshold chosen on dev), or null without a test split.</summary>
    protected abstract TaskMetrics? EvaluateTest(TModel model, TaskMetrics bestDev);

    /// <summary>An item's length in word pieces, for <see cref="FineTuneOptions.GroupByLength"/>.</summary>
    protected abstract int Length(TExample item);

    /// <summary>Writes the model's files into <paramref name="dir"/> (the tokenizer's from <paramref name="modelDir"/>); <c>results.json</c> is written after.</summary>
    protected abstract void Save(TModel model, string dir, string modelDir, FineTuneResult result);

    /// <summary>Adds what only this kind records to the result (e.g. question answering's windows and settings).</summary>
    protected virtual FineTuneResult Describe(FineTuneResult result) => result;

    internal sealed override FineTuneResult Train(FineTuningTask task, string modelDir, ElectraConfig config, FineTuneOptions options, string? outputDir,
        IProgress<FineTuneProgress>? progress, CancellationToken cancellationToken)
    {
        torch.manual_seed(options.Seed);
        var (model, transfer) = CreateModel(modelDir, config, options);
        using (model)
        {
            var clock = Stopwatch.StartNew();
            torch.manual_seed(options.Seed);
            var (epochs, bestEpoch) = FineTuningLoop.Run(model, config.NumHiddenLayers, TrainingItems, options,
                rows => Loss(model, rows), () => EvaluateDev(model), metrics => metrics.Score,
                progress is null ? null : (epoch, step, total, loss, dev, elapsed) => progress.Report(new FineTuneProgress(epoch, step, total, loss, dev, elapsed, TruncatedQuestions)),
                cancellationToken, Length, MinBatch);
            var best = epochs[bestEpoch - 1];
            var test = EvaluateTest(model, best.Dev);
            var result = Describe(new FineTuneResult(task.Name, task.Kind, Labels, TrainExamples, null, best.Dev, test, bestEpoch,
                epochs.Select(e => new EpochResult(e.Number, e.TrainLoss, e.Dev, e.Seconds)).ToList(), options, null, transfer, clock.Elapsed.TotalSeconds, null));
            if (outputDir is not null)
                OutputFolder.Commit(outputDir, FineTuneResult.Owner, dir =>
                {
                    Save(model, dir, modelDir, result);
                    AtomicFile.WriteAllText(Path.Combine(dir, FineTuneResult.FileName), result.ToJson());
                });
            return result;
        }
    }
}
