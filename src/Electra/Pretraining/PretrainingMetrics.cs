namespace Electra.Pretraining;

/// <summary>
/// The figures of a training interval or a held-out evaluation, the same for both objectives (google-research/electra's
/// <c>metric_fn</c>). Discriminator figures are null for the MLM baseline; the AUC is computed in evaluation only. A
/// non-finite loss is reported as NaN, never hidden; ratios over an empty count are 0.
/// </summary>
public sealed record PretrainingMetrics
{
    /// <summary>Total loss: generator (or MLM) loss + λ · discriminator loss, the mean over micro-batches.</summary>
    public required double Loss { get; init; }

    /// <summary>Masked-LM cross-entropy over masked positions.</summary>
    public required double GeneratorLoss { get; init; }

    /// <summary>Generator argmax equals the original token, over masked positions.</summary>
    public required double MaskedLmAccuracy { get; init; }

    /// <summary>Generator sample equals the original token, over masked positions.</summary>
    public required double SampledMaskedLmAccuracy { get; init; }

    /// <summary>Replaced-token BCE over non-padding tokens; null for the MLM baseline.</summary>
    public double? DiscriminatorLoss { get; init; }

    /// <summary>Replaced/original classified right, over non-padding tokens.</summary>
    public double? DiscriminatorAccuracy { get; init; }

    /// <summary>Of tokens called replaced, the fraction that were.</summary>
    public double? DiscriminatorPrecision { get; init; }

    /// <summary>Of replaced tokens, the fraction called replaced.</summary>
    public double? DiscriminatorRecall { get; init; }

    /// <summary>ROC AUC of the discriminator's probabilities (evaluation only; NaN with one class or non-finite scores).</summary>
    public double? DiscriminatorAuc { get; init; }

    /// <summary>The figures under the keys of <c>metrics.jsonl</c> (loss, gen_loss, disc_loss, mlm_accuracy, …), nulls left out.</summary>
    public Dictionary<string, double> ToDictionary()
    {
        var values = new Dictionary<string, double>
        {
            [Key.Loss] = Loss,
            [Key.GeneratorLoss] = GeneratorLoss,
            [Key.MaskedLmAccuracy] = MaskedLmAccuracy,
            [Key.SampledMaskedLmAccuracy] = SampledMaskedLmAccuracy,
        };
        void Add(string key, double? value)
        {
            if (value is { } v) values[key] = v;
        }
        Add(Key.DiscriminatorLoss, DiscriminatorLoss);
        Add(Key.DiscriminatorAccuracy, DiscriminatorAccuracy);
        Add(Key.DiscriminatorPrecision, DiscriminatorPrecision);
        Add(Key.DiscriminatorRecall, DiscriminatorRecall);
        Add(Key.DiscriminatorAuc, DiscriminatorAuc);
        return values;
    }

    /// <summary>
    /// The figures of a <c>metrics.jsonl</c> record, read back under <see cref="ToDictionary"/>'s names: a generator
    /// figure that is missing (written as null: it was not finite) reads as NaN, a missing discriminator figure as null.
    /// </summary>
    internal static PretrainingMetrics FromDictionary(IReadOnlyDictionary<string, double> values)
    {
        double Required(string key) => values.TryGetValue(key, out double v) ? v : double.NaN;
        double? Optional(string key) => values.TryGetValue(key, out double v) ? v : null;
        return new PretrainingMetrics
        {
            Loss = Required(Key.Loss),
            GeneratorLoss = Required(Key.GeneratorLoss),
            MaskedLmAccuracy = Required(Key.MaskedLmAccuracy),
            SampledMaskedLmAccuracy = Required(Key.SampledMaskedLmAccuracy),
            DiscriminatorLoss = Optional(Key.DiscriminatorLoss),
            DiscriminatorAccuracy = Optional(Key.DiscriminatorAccuracy),
            DiscriminatorPrecision = Optional(Key.DiscriminatorPrecision),
            DiscriminatorRecall = Optional(Key.DiscriminatorRecall),
            DiscriminatorAuc = Optional(Key.DiscriminatorAuc),
        };
    }

    /// <summary>The <c>metrics.jsonl</c> name of each figure, written once.</summary>
    static class Key
    {
        public const string Loss = "loss", GeneratorLoss = "gen_loss", MaskedLmAccuracy = "mlm_accuracy", SampledMaskedLmAccuracy = "sampled_mlm_accuracy",
            DiscriminatorLoss = "disc_loss", DiscriminatorAccuracy = "disc_accuracy", DiscriminatorPrecision = "disc_precision",
            DiscriminatorRecall = "disc_recall", DiscriminatorAuc = "disc_auc";
    }
}
