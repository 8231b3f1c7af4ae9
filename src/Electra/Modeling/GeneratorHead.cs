using TorchSharp.Modules;
using static TorchSharp.torch;

namespace Electra.Modeling;

/// <summary>
/// The generator's prediction transform (HF <c>ElectraGeneratorPredictions</c>): <c>LayerNorm(gelu(dense(h)))</c>,
/// mapping hidden states back to the embedding width. [.., H] → [.., E].
/// </summary>
internal sealed class ElectraGeneratorPredictions : nn.Module<Tensor, Tensor>
{
    readonly Linear dense;
    readonly LayerNorm LayerNorm;

    /// <summary>H → E with LayerNorm over E.</summary>
    public ElectraGeneratorPredictions(ElectraConfig config) : base("generator_predictions")
    {
        dense = nn.Linear(config.HiddenSize, config.EmbeddingSize);
        LayerNorm = nn.LayerNorm(config.EmbeddingSize, eps: config.LayerNormEps);
        RegisterComponents();
    }

    /// <summary>[.., H] → [.., E].</summary>
    public override Tensor forward(Tensor h)
    {
        using var scope = NewDisposeScope();
        return LayerNorm.Apply(nn.functional.gelu(dense.Apply(h))).MoveToOuterDisposeScope();
    }
}
