using TorchSharp;
using static TorchSharp.torch;

namespace Electra.Pretraining;

/// <summary>
/// What one pre-training forward pass produced, as tensors on the training device: nothing here forces a
/// host sync until <see cref="Read"/> is called (only at log intervals). Metric names follow
/// google-research/electra's <c>metric_fn</c>.
/// </summary>
public sealed record StepMetrics(
    Tensor Loss, Tensor GeneratorLoss, Tensor DiscriminatorLoss,
    Tensor MaskedCorrect, Tensor SampledCorrect, Tensor MaskedCount,
    Tensor DiscriminatorCorrect, Tensor TokenCount, Tensor TruePositives, Tensor PredictedPositives, Tensor ActualPositives,
    Tensor? DiscriminatorProbabilities, Tensor? DiscriminatorLabels, Tensor? TokenMask)
{
    /// <summary>Reads the scalars to the host. sync: call at log or eval intervals only.</summary>
    public StepValues Read()
    {
        double S(Tensor t) => t.to(ScalarType.Float64).cpu().item<double>();
        double maskedCount = Math.Max(S(MaskedCount), 1e-9);
        double tokens = Math.Max(S(TokenCount), 1e-9);
        double tp = S(TruePositives), pp = S(PredictedPositives), ap = S(ActualPositives);
        return new StepValues(
            S(Loss), S(GeneratorLoss), S(DiscriminatorLoss),
            MaskedLmAccuracy: S(MaskedCorrect) / maskedCount,
            SampledMaskedLmAccuracy: S(SampledCorrect) / maskedCount,
            DiscriminatorAccuracy: S(DiscriminatorCorrect) / tokens,
            DiscriminatorPrecision: pp > 0 ? tp / pp : 0,
            DiscriminatorRecall: ap > 0 ? tp / ap : 0,
            ReplacedFraction: ap / tokens);
    }

    /// <summary>Moves every tensor to the enclosing dispose scope.</summary>
    public StepMetrics MoveToOuter()
    {
        foreach (var t in new[] { Loss, GeneratorLoss, DiscriminatorLoss, MaskedCorrect, SampledCorrect, MaskedCount, DiscriminatorCorrect,
                                  TokenCount, TruePositives, PredictedPositives, ActualPositives, DiscriminatorProbabilities, DiscriminatorLabels, TokenMask })
            t?.MoveToOuterDisposeScope();
        return this;
    }
}

/// <summary>The host-side values of <see cref="StepMetrics"/>.</summary>
/// <param name="Loss">Total loss: generator + λ · discriminator.</param>
/// <param name="GeneratorLoss">Masked-LM cross-entropy over masked positions.</param>
/// <param name="DiscriminatorLoss">Replaced-token BCE over non-padding tokens.</param>
/// <param name="MaskedLmAccuracy">Generator argmax equals the original token.</param>
/// <param name="SampledMaskedLmAccuracy">Generator sample equals the original token.</param>
/// <param name="DiscriminatorAccuracy">Replaced/original classified right, over non-padding tokens.</param>
/// <param name="DiscriminatorPrecision">Of tokens called replaced, the fraction that were.</param>
/// <param name="DiscriminatorRecall">Of replaced tokens, the fraction called replaced.</param>
/// <param name="ReplacedFraction">Fraction of non-padding tokens that were replaced.</param>
public sealed record StepValues(double Loss, double GeneratorLoss, double DiscriminatorLoss,
    double MaskedLmAccuracy, double SampledMaskedLmAccuracy, double DiscriminatorAccuracy,
    double DiscriminatorPrecision, double DiscriminatorRecall, double ReplacedFraction);
