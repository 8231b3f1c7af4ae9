using TorchSharp.Modules;
using static TorchSharp.torch;

namespace Electra.Modeling;

/// <summary>
/// The discriminator's replaced-token head (HF <c>ElectraDiscriminatorPredictions</c>):
/// <c>dense_prediction(gelu(dense(h)))</c>, one logit per token. [B, T, H] → [B, T].
/// </summary>
internal sealed class ElectraDiscriminatorPredictions : nn.Module<Tensor, Tensor>
{
    readonly Linear dense;
    readonly Linear dense_prediction;

    /// <summary>H → H → 1.</summary>
    public ElectraDiscriminatorPredictions(ElectraConfig config) : base("discriminator_predictions")
    {
        dense = nn.Linear(config.HiddenSize, config.HiddenSize);
        dense_prediction = nn.Linear(config.HiddenSize, 1);
        RegisterComponents();
    }

    /// <summary>[B, T, H] → logits [B, T] (positive = replaced).</summary>
    public override Tensor forward(Tensor h)
    {
        using var scope = NewDisposeScope();
        return dense_prediction.Apply(nn.functional.gelu(dense.Apply(h))).squeeze(-1).MoveToOuterDisposeScope();
    }
}
