using static TorchSharp.torch;

namespace Electra.Pretraining;

/// <summary>
/// What one pre-training forward pass produced, as tensors on the training device: nothing here forces a host sync.
/// <see cref="Training.MetricSums"/> adds them up over an interval and reads them as <see cref="PretrainingMetrics"/>.
/// </summary>
internal sealed record StepMetrics(
    Tensor Loss, Tensor GeneratorLoss, Tensor DiscriminatorLoss,
    Tensor MaskedCorrect, Tensor SampledCorrect, Tensor MaskedCount,
    Tensor DiscriminatorCorrect, Tensor TokenCount, Tensor TruePositives, Tensor PredictedPositives, Tensor ActualPositives,
    Tensor? DiscriminatorProbabilities, Tensor? DiscriminatorLabels, Tensor? TokenMask)
{
    /// <summary>Moves every tensor to the enclosing dispose scope.</summary>
    public StepMetrics MoveToOuter()
    {
        foreach (var t in new[] { Loss, GeneratorLoss, DiscriminatorLoss, MaskedCorrect, SampledCorrect, MaskedCount, DiscriminatorCorrect,
                                  TokenCount, TruePositives, PredictedPositives, ActualPositives, DiscriminatorProbabilities, DiscriminatorLabels, TokenMask })
            t?.MoveToOuterDisposeScope();
        return this;
    }
}
