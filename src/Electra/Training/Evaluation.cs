using Electra.Data;
using Electra.Pretraining;
using TorchSharp;
using static TorchSharp.torch;

namespace Electra.Training;

/// <summary>
/// Held-out evaluation of a pre-training objective: losses, masked-LM accuracy, discriminator accuracy,
/// precision, recall and ROC AUC (google-research/electra's eval metrics), with a fixed masking seed so
/// evaluations at different steps see the same masks.
/// </summary>
public static class Evaluation
{
    /// <summary>Runs up to <paramref name="maxBatches"/> validation batches in eval mode. Syncs: evaluation time only.</summary>
    public static Dictionary<string, double> Run(PretrainingObjective model, PretrainingLoader validation, Device device, int maxBatches, int seed)
    {
        bool wasTraining = model.training;
        model.eval();
        var rng = new torch.Generator((ulong)seed, device);
        var sums = new Dictionary<string, double>();
        var scores = new List<(float Probability, bool Replaced)>();
        int batches = 0;
        try
        {
            using var noGrad = no_grad();
            while (batches < maxBatches && validation.TryNext(out var batch))
            {
                using var scope = NewDisposeScope();
                var (ids, mask, types) = Trainer.ToTensors(batch, device);
                var m = model.Forward(ids, mask, types, rng, keepScores: true);
                var v = m.Read(); // sync: evaluation only
                double tokens = m.TokenCount.item<float>(), masked = m.MaskedCount.item<float>();
                Add(sums, "loss", v.Loss * tokens);
                Add(sums, "gen_loss", v.GeneratorLoss * masked);
                Add(sums, "disc_loss", v.DiscriminatorLoss * tokens);
                Add(sums, "mlm_correct", m.MaskedCorrect.item<float>());
                Add(sums, "masked", masked);
                Add(sums, "disc_correct", m.DiscriminatorCorrect.item<float>());
                Add(sums, "tokens", tokens);
                Add(sums, "tp", m.TruePositives.item<float>());
                Add(sums, "pp", m.PredictedPositives.item<float>());
                Add(sums, "ap", m.ActualPositives.item<float>());
                if (m.DiscriminatorProbabilities is { } p)
                {
                    var keep = m.TokenMask!.gt(0);
                    var probs = p.masked_select(keep).cpu().data<float>().ToArray();
                    var labels = m.DiscriminatorLabels!.masked_select(keep).cpu().data<float>().ToArray();
                    for (int i = 0; i < probs.Length; i++) scores.Add((probs[i], labels[i] > 0.5f));
                }
                batches++;
            }
        }
        finally
        {
            model.train(wasTraining);
        }
        if (batches == 0) return new Dictionary<string, double>();
        double S(string k) => sums.GetValueOrDefault(k);
        var result = new Dictionary<string, double>
        {
            ["loss"] = S("loss") / Math.Max(S("tokens"), 1),
            ["gen_loss"] = S("gen_loss") / Math.Max(S("masked"), 1),
            ["mlm_accuracy"] = S("mlm_correct") / Math.Max(S("masked"), 1),
            ["batches"] = batches,
        };
        if (model is ReplacedTokenDetection)
        {
            result["disc_loss"] = S("disc_loss") / Math.Max(S("tokens"), 1);
            result["disc_accuracy"] = S("disc_correct") / Math.Max(S("tokens"), 1);
            result["disc_precision"] = S("pp") > 0 ? S("tp") / S("pp") : 0;
            result["disc_recall"] = S("ap") > 0 ? S("tp") / S("ap") : 0;
            result["disc_auc"] = RocAuc(scores);
        }
        return result;
    }

    static void Add(Dictionary<string, double> sums, string key, double value) => sums[key] = sums.GetValueOrDefault(key) + value;

    /// <summary>ROC AUC by the rank-sum (Mann–Whitney) formula, ties counted half; NaN with a single class.</summary>
    public static double RocAuc(IReadOnlyList<(float Probability, bool Positive)> scores)
    {
        var sorted = scores.OrderBy(s => s.Probability).ToList();
        double positives = sorted.Count(s => s.Positive), negatives = sorted.Count - positives;
        if (positives == 0 || negatives == 0) return double.NaN;
        double rankSum = 0;
        for (int i = 0; i < sorted.Count;)
        {
            int j = i;
            while (j < sorted.Count && sorted[j].Probability == sorted[i].Probability) j++;
            double averageRank = (i + j + 1) / 2.0; // ranks i+1 … j
            for (int k = i; k < j; k++) if (sorted[k].Positive) rankSum += averageRank;
            i = j;
        }
        return (rankSum - positives * (positives + 1) / 2) / (positives * negatives);
    }
}
