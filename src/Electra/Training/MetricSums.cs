using Electra.Distributed;
using Electra.Pretraining;
using static TorchSharp.torch;

namespace Electra.Training;

/// <summary>
/// <see cref="StepMetrics"/> added up on the device over a log interval or an evaluation (no host sync until
/// <see cref="Read"/>), then read as one <see cref="PretrainingMetrics"/>: in a data-parallel job the ranks' sums are
/// added by one all-reduce.
/// </summary>
internal sealed class MetricSums : IDisposable
{
    /// <summary>The summed fields, in the order of the device vector.</summary>
    enum Field { Loss, GeneratorLoss, DiscriminatorLoss, MaskedCorrect, SampledCorrect, MaskedCount, DiscriminatorCorrect, TokenCount, TruePositives, PredictedPositives, ActualPositives }

    static readonly int FieldCount = Enum.GetValues<Field>().Length;

    Tensor? sums; // [FieldCount] float32 on the training device

    /// <summary>Micro-batches added since the last <see cref="Read"/>.</summary>
    public long Count { get; private set; }

    /// <summary>Adds one forward pass's metrics (no sync).</summary>
    public void Add(StepMetrics m)
    {
        using var scope = NewDisposeScope();
        var stats = stack(new[]
        {
            m.Loss.detach(), m.GeneratorLoss, m.DiscriminatorLoss, m.MaskedCorrect, m.SampledCorrect, m.MaskedCount,
            m.DiscriminatorCorrect, m.TokenCount, m.TruePositives, m.PredictedPositives, m.ActualPositives,
        }.Select(t => t.to(ScalarType.Float32).reshape(1)).ToArray()).reshape(-1); // [FieldCount]
        if (sums is null) sums = stats.DetachFromDisposeScope();
        else sums.add_(stats);
        Count++;
    }

    /// <summary>
    /// The metrics of everything added since the last read, over all ranks of <paramref name="mpi"/> (a collective:
    /// every rank calls it), then starts a new interval. sync: call at log or evaluation time only.
    /// </summary>
    /// <param name="discriminator">Whether the objective has a discriminator (<see cref="PretrainingObjective.HasDiscriminator"/>).</param>
    /// <param name="auc">The discriminator's ROC AUC when the caller computed one.</param>
    /// <param name="mpi">The data-parallel job whose ranks' sums are added; null alone.</param>
    public PretrainingMetrics Read(bool discriminator, double? auc = null, Mpi? mpi = null)
    {
        var s = new double[FieldCount];
        if (sums is not null) s = sums.to(ScalarType.Float64).cpu().data<double>().ToArray();
        mpi?.AllReduceSum(s, "training metrics of the log interval");
        // Each rank's losses are its share of the global batch's mean (GlobalBatch): the mean is their sum over ranks.
        double batches = Math.Max(1, Count) * (mpi?.Size ?? 1);
        double S(Field f) => s[(int)f];
        static double Ratio(double part, double whole) => whole > 0 ? part / whole : 0;
        var metrics = new PretrainingMetrics
        {
            Loss = S(Field.Loss) / batches,
            GeneratorLoss = S(Field.GeneratorLoss) / batches,
            MaskedLmAccuracy = Ratio(S(Field.MaskedCorrect), S(Field.MaskedCount)),
            SampledMaskedLmAccuracy = Ratio(S(Field.SampledCorrect), S(Field.MaskedCount)),
        };
        if (discriminator)
            metrics = metrics with
            {
                DiscriminatorLoss = S(Field.DiscriminatorLoss) / batches,
                DiscriminatorAccuracy = Ratio(S(Field.DiscriminatorCorrect), S(Field.TokenCount)),
                DiscriminatorPrecision = Ratio(S(Field.TruePositives), S(Field.PredictedPositives)),
                DiscriminatorRecall = Ratio(S(Field.TruePositives), S(Field.ActualPositives)),
                DiscriminatorAuc = auc,
            };
        sums?.Dispose();
        sums = null;
        Count = 0;
        return metrics;
    }

    /// <summary>Frees the device sums.</summary>
    public void Dispose() => sums?.Dispose();
}
