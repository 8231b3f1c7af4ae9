using Electra.Data;
using Electra.Pretraining;
using static TorchSharp.torch;

namespace Electra.Training;

/// <summary>
/// Held-out evaluation of a pre-training objective: the training metrics (<see cref="PretrainingMetrics"/>) plus the
/// discriminator's ROC AUC (google-research/electra's eval metrics), with a fixed masking seed so evaluations at
/// different steps see the same masks.
/// </summary>
internal static class Evaluation
{
    /// <summary>
    /// Runs up to <paramref name="maxBatches"/> validation batches in eval mode; null when the split yields none.
    /// Syncs: evaluation time only.
    /// </summary>
    public static PretrainingMetrics? Run(PretrainingObjective model, PretrainingLoader validation, Device device, int maxBatches, int seed)
    {
        bool wasTraining = model.training;
        model.eval();
        using var rng = new Generator((ulong)seed, device);
        using var sums = new MetricSums();
        var scores = new List<(float Probability, bool Replaced)>();
        try
        {
            using var noGrad = no_grad();
            while (sums.Count < maxBatches && validation.TryNext(out var batch))
            {
                using var scope = NewDisposeScope();
                var (ids, mask, types) = PretrainingStep.ToTensors(batch, device);
                var m = model.Forward(ids, mask, types, rng, keepScores: model.HasDiscriminator);
                sums.Add(m);
                if (m.DiscriminatorProbabilities is not { } p) continue;
                var keep = m.TokenMask!.gt(0);
                var probabilities = p.masked_select(keep).cpu().data<float>().ToArray(); // sync: evaluation only
                var labels = m.DiscriminatorLabels!.masked_select(keep).cpu().data<float>().ToArray();
                for (int i = 0; i < probabilities.Length; i++) scores.Add((probabilities[i], labels[i] > 0.5f));
            }
        }
        finally
        {
            model.train(wasTraining);
        }
        if (sums.Count == 0) return null;
        return sums.Read(model.HasDiscriminator, model.HasDiscriminator ? RocAuc(scores) : null);
    }

    /// <summary>
    /// ROC AUC by the rank-sum (Mann–Whitney) formula, ties counted half. NaN when there is a single class or any
    /// score is NaN (a model with non-finite outputs has no ranking).
    /// </summary>
    public static double RocAuc(IReadOnlyList<(float Probability, bool Positive)> scores)
    {
        if (scores.Any(s => float.IsNaN(s.Probability))) return double.NaN;
        var sorted = scores.OrderBy(s => s.Probability).ToList();
        double positives = sorted.Count(s => s.Positive), negatives = sorted.Count - positives;
        if (positives == 0 || negatives == 0) return double.NaN;
        double rankSum = 0;
        for (int i = 0; i < sorted.Count;)
        {
            int j = i + 1; // every pass advances
            while (j < sorted.Count && sorted[j].Probability == sorted[i].Probability) j++;
            double averageRank = (i + j + 1) / 2.0; // ranks i+1 … j
            for (int k = i; k < j; k++) if (sorted[k].Positive) rankSum += averageRank;
            i = j;
        }
        return (rankSum - positives * (positives + 1) / 2) / (positives * negatives);
    }
}
