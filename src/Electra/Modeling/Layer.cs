using TorchSharp.Modules;
using static TorchSharp.torch;

namespace Electra.Modeling;

/// <summary>
/// One post-LayerNorm BERT layer (HF <c>ElectraLayer</c>): attention, then
/// <c>LN(a + dropout(output.dense(gelu(intermediate.dense(a)))))</c>. [B, T, H] → [B, T, H].
/// </summary>
internal sealed class ElectraLayer : nn.Module<Tensor, Tensor, Tensor>
{
    readonly ElectraAttention attention;
    readonly ElectraIntermediate intermediate;
    readonly ElectraOutput output;

    /// <summary>Builds the attention and feed-forward blocks.</summary>
    public ElectraLayer(ElectraConfig config) : base("layer")
    {
        attention = new ElectraAttention(config);
        intermediate = new ElectraIntermediate(config);
        output = new ElectraOutput(config);
        RegisterComponents();
    }

    /// <summary>x [B, T, H], mask [B, 1, 1, T] → [B, T, H].</summary>
    public override Tensor forward(Tensor x, Tensor mask)
    {
        using var scope = NewDisposeScope();
        var a = attention.call(x, mask);
        return output.call(intermediate.call(a), a).MoveToOuterDisposeScope();
    }
}

/// <summary>Feed-forward expansion with exact (erf) GELU (HF <c>ElectraIntermediate</c>). [B, T, H] → [B, T, I].</summary>
internal sealed class ElectraIntermediate : nn.Module<Tensor, Tensor>
{
    readonly Linear dense;

    /// <summary>H → I.</summary>
    public ElectraIntermediate(ElectraConfig config) : base("intermediate")
    {
        dense = nn.Linear(config.HiddenSize, config.IntermediateSize);
        RegisterComponents();
    }

    /// <summary>[B, T, H] → [B, T, I].</summary>
    public override Tensor forward(Tensor x)
    {
        using var scope = NewDisposeScope();
        return nn.functional.gelu(dense.Apply(x)).MoveToOuterDisposeScope();
    }
}

/// <summary>Feed-forward contraction, dropout, residual and LayerNorm (HF <c>ElectraOutput</c>). [B, T, I] → [B, T, H].</summary>
internal sealed class ElectraOutput : nn.Module<Tensor, Tensor, Tensor>
{
    readonly Linear dense;
    readonly LayerNorm LayerNorm;
    readonly FastDropout dropout;

    /// <summary>I → H then post-LN.</summary>
    public ElectraOutput(ElectraConfig config) : base("output")
    {
        dense = nn.Linear(config.IntermediateSize, config.HiddenSize);
        LayerNorm = nn.LayerNorm(config.HiddenSize, eps: config.LayerNormEps);
        dropout = new FastDropout(config.HiddenDropoutProb);
        RegisterComponents();
    }

    /// <summary>h [B, T, I], residual [B, T, H] → [B, T, H].</summary>
    public override Tensor forward(Tensor h, Tensor residual)
    {
        using var scope = NewDisposeScope();
        return LayerNorm.Apply(residual + dropout.call(dense.Apply(h))).MoveToOuterDisposeScope();
    }
}
