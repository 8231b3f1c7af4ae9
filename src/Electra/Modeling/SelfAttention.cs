using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace Electra.Modeling;

/// <summary>
/// Multi-head self-attention through <c>scaled_dot_product_attention</c> (HF <c>ElectraSelfAttention</c>).
/// [B, T, H] with an additive key mask [B, 1, 1, T] → [B, T, H] (heads concatenated, before the output dense).
/// </summary>
internal sealed class ElectraSelfAttention : nn.Module<Tensor, Tensor, Tensor>
{
    readonly Linear query;
    readonly Linear key;
    readonly Linear value;
    readonly int heads;
    readonly double dropoutProb;

    /// <summary>Builds Q/K/V projections of width <see cref="ElectraConfig.HiddenSize"/>.</summary>
    public ElectraSelfAttention(ElectraConfig config) : base("self")
    {
        query = nn.Linear(config.HiddenSize, config.HiddenSize);
        key = nn.Linear(config.HiddenSize, config.HiddenSize);
        value = nn.Linear(config.HiddenSize, config.HiddenSize);
        heads = config.NumAttentionHeads;
        dropoutProb = config.AttentionProbsDropoutProb;
        RegisterComponents();
    }

    /// <summary>x [B, T, H], mask [B, 1, 1, T] (0 keep, very negative drop) → [B, T, H].</summary>
    public override Tensor forward(Tensor x, Tensor mask)
    {
        using var scope = NewDisposeScope();
        long B = x.shape[0], T = x.shape[1], H = x.shape[2];
        Tensor Split(Linear proj) => proj.Apply(x).view(B, T, heads, H / heads).transpose(1, 2); // [B, nh, T, hd]
        var q = Split(query);
        var k = Split(key);
        var v = Split(value);
        Tensor context; // [B, nh, T, hd]
        if (training && dropoutProb > 0 && x.device.type == DeviceType.CPU)
        {
            // What SDPA's math path does when it has to drop (libtorch's fused CPU kernels cannot), with a cheaper dropout
            // mask. The scale goes on q, half the size of the scores (a power of two for head size 64: the same bits).
            var scores = q.mul(1.0 / Math.Sqrt(H / heads)).matmul(k.transpose(-1, -2)).add_(mask.to(q.dtype)); // [B, nh, T, T]
            context = FastDropout.Apply(scores.softmax(-1), dropoutProb, training: true).matmul(v);
        }
        else // SDPA applies its dropout whatever the module's mode, so pass 0 outside training.
            context = nn.functional.scaled_dot_product_attention(q, k, v, mask.to(q.dtype), training ? dropoutProb : 0.0, false);
        return context.transpose(1, 2).reshape(B, T, H).MoveToOuterDisposeScope(); // [B, T, H]
    }
}

/// <summary>Output projection, dropout, residual and LayerNorm of the attention block (HF <c>ElectraSelfOutput</c>).</summary>
internal sealed class ElectraSelfOutput : nn.Module<Tensor, Tensor, Tensor>
{
    readonly Linear dense;
    readonly LayerNorm LayerNorm;
    readonly FastDropout dropout;

    /// <summary>H → H projection then post-LN.</summary>
    public ElectraSelfOutput(ElectraConfig config) : base("output")
    {
        dense = nn.Linear(config.HiddenSize, config.HiddenSize);
        LayerNorm = nn.LayerNorm(config.HiddenSize, eps: config.LayerNormEps);
        dropout = new FastDropout(config.HiddenDropoutProb);
        RegisterComponents();
    }

    /// <summary>context [B, T, H], residual [B, T, H] → LN(residual + dropout(dense(context))).</summary>
    public override Tensor forward(Tensor context, Tensor residual)
    {
        using var scope = NewDisposeScope();
        return LayerNorm.Apply(residual + dropout.call(dense.Apply(context))).MoveToOuterDisposeScope();
    }
}

/// <summary>Self-attention plus its output block (HF <c>ElectraAttention</c>: keys <c>attention.self.*</c>, <c>attention.output.*</c>).</summary>
internal sealed class ElectraAttention : nn.Module<Tensor, Tensor, Tensor>
{
    readonly ElectraSelfAttention self;
    readonly ElectraSelfOutput output;

    /// <summary>Builds both halves.</summary>
    public ElectraAttention(ElectraConfig config) : base("attention")
    {
        self = new ElectraSelfAttention(config);
        output = new ElectraSelfOutput(config);
        RegisterComponents();
    }

    /// <summary>x [B, T, H], mask [B, 1, 1, T] → [B, T, H].</summary>
    public override Tensor forward(Tensor x, Tensor mask)
    {
        using var scope = NewDisposeScope();
        return output.call(self.call(x, mask), x).MoveToOuterDisposeScope();
    }
}
