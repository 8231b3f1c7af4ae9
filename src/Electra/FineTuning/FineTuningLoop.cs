using System.Diagnostics;
using Electra.Native;
using Electra.Optimization;
using Electra.Tokenization;
using static TorchSharp.torch;

namespace Electra.FineTuning;

/// <summary>
/// The epoch loop of google-research/electra's fine-tuning recipe, shared by every head: <see cref="AdamWeightDecay"/>
/// over <see cref="LayerwiseLearningRates"/> groups, warmup then linear decay, seeded shuffling, one dispose scope per
/// step, dev evaluation after every epoch, and the best epoch's weights (highest score, the first on a tie) restored
/// at the end.
/// </summary>
internal static class FineTuningLoop
{
    /// <summary>One epoch: mean training loss, dev score, wall time.</summary>
    public sealed record Epoch<TScore>(int Number, double TrainLoss, TScore Dev, double Seconds);

    /// <summary>
    /// Trains <paramref name="model"/> (an encoder of <paramref name="numLayers"/> layers with a task head) on
    /// <paramref name="train"/>; <paramref name="loss"/> maps a batch to its mean loss, <paramref name="evaluate"/>
    /// scores dev and <paramref name="score"/> ranks the epochs. <paramref name="report"/> gets (epoch, step, total
    /// steps, mean loss so far, dev score at an epoch's end or null, elapsed). A batch of fewer than
    /// <paramref name="minBatch"/> examples (the last of an epoch; in-batch negatives need two) is skipped. With
    /// <see cref="FineTuneOptions.GroupByLength"/>, <paramref name="length"/> gives each example's length in word pieces.
    /// Seed torch first.
    /// </summary>
    public static (IReadOnlyList<Epoch<TScore>> Epochs, int BestEpoch) Run<TExample, TScore>(nn.Module model, int numLayers, IReadOnlyList<TExample> train,
        FineTuneOptions options, Func<IReadOnlyList<TExample>, Tensor> loss, Func<TScore> evaluate, Func<TScore, double> score,
        Action<int, long, long, double, TScore?, TimeSpan>? report, CancellationToken cancellationToken, Func<TExample, int> length, int minBatch = 1) where TScore : class
    {
        var lengths = options.GroupByLength ? train.Select(length).ToArray() : null;
        var clock = Stopwatch.StartNew();
        var rng = new Random(options.Seed);
        long stepsPerEpoch = (train.Count + options.BatchSize - 1) / options.BatchSize;
        long totalSteps = stepsPerEpoch * options.Epochs;
        long warmup = (long)(totalSteps * options.WarmupProportion);
        var schedule = new LearningRateSchedule(options.LearningRate, warmup, totalSteps);
        using var optimizer = new AdamWeightDecay(LayerwiseLearningRates.Groups(model, numLayers, options.LayerDecay, options.WeightDecay),
            new OptimizerOptions { WeightDecay = options.WeightDecay }.ForWarmup(warmup));

        var epochs = new List<Epoch<TScore>>();
        Dictionary<string, Tensor>? best = null;
        int bestEpoch = 0;
        long step = 0;
        using var lossSum = zeros(1);
        try
        {
            for (int epoch = 1; epoch <= options.Epochs; epoch++)
            {
                var epochClock = Stopwatch.StartNew();
                model.train();
                lossSum.zero_();
                long trained = 0;
                var order = Enumerable.Range(0, train.Count).ToArray();
                rng.Shuffle(order);
                if (lengths is not null) order = LengthBatching.GroupByLength(lengths, order, options.BatchSize);
                for (long b = 0; b < stepsPerEpoch; b++)
                {
                    cancellationToken.ThrowIfCancellationRequested();
                    var rows = order.Skip((int)(b * options.BatchSize)).Take(options.BatchSize).Select(i => train[i]).ToList();
                    step++;
                    if (rows.Count < minBatch) continue;
                    trained++;
                    using (NewDisposeScope())
                    {
                        var batchLoss = loss(rows);
                        model.zero_grad();
                        batchLoss.backward();
                        optimizer.Step(schedule.At(step - 1));
                        using (no_grad()) lossSum.add_(batchLoss.detach()); // on the device: no sync
                    }
                    FinalizedHandles.ReleaseAfterStep();
                    if (options.LogEvery > 0 && step % options.LogEvery == 0 && b + 1 < stepsPerEpoch)
                        report?.Invoke(epoch, step, totalSteps, MeanLoss(lossSum, trained), null, clock.Elapsed);
                }
                double trainLoss = MeanLoss(lossSum, trained);
                var dev = evaluate();
                epochs.Add(new Epoch<TScore>(epoch, trainLoss, dev, epochClock.Elapsed.TotalSeconds));
                report?.Invoke(epoch, step, totalSteps, trainLoss, dev, clock.Elapsed);
                if (best is null || score(dev) > score(epochs[bestEpoch - 1].Dev))
                {
                    DisposeAll(best);
                    best = model.state_dict().ToDictionary(kv => kv.Key, kv => kv.Value.detach().clone());
                    bestEpoch = epoch;
                }
            }
            if (bestEpoch != options.Epochs)
                using (no_grad())
                    foreach (var (name, t) in model.state_dict()) t.copy_(best![name]);
        }
        finally
        {
            DisposeAll(best);
        }
        return (epochs, bestEpoch);
    }

    // sync: reads the summed loss for a progress report or the epoch's result
    static double MeanLoss(Tensor lossSum, long steps) => lossSum.item<float>() / Math.Max(1, steps);

    static void DisposeAll(Dictionary<string, Tensor>? tensors)
    {
        if (tensors is null) return;
        foreach (var t in tensors.Values) t.Dispose();
    }
}
