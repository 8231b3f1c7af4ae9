using TorchSharp.Modules;
using static TorchSharp.torch;

namespace Electra.Modeling;

/// <summary>
/// Weight initialisation as google-research/electra: weights from a normal of σ = initializer_range truncated
/// at 2σ (<c>tf.truncated_normal_initializer</c>; HF uses an untruncated normal), biases 0, LayerNorm 1/0.
/// The [PAD] row of the word table is 0, as HF's <c>padding_idx</c> makes it.
/// TorchSharp 0.107's <c>nn.init.trunc_normal_</c> fills a constant (measured: std 0), so the truncated
/// normal is drawn here by inverse CDF, as PyTorch's Python implementation does.
/// </summary>
internal static class Initialization
{
    /// <summary>Initialises every Linear, Embedding and LayerNorm under <paramref name="root"/>, except those under <paramref name="skip"/>.</summary>
    public static void Apply(nn.Module root, ElectraConfig config, nn.Module? skip = null)
    {
        double std = config.InitializerRange;
        var skipped = new HashSet<object>(ReferenceEqualityComparer.Instance);
        if (skip is not null) skipped.UnionWith(skip.modules().Append(skip));
        using var noGrad = no_grad();
        foreach (var m in root.modules())
        {
            if (skipped.Contains(m)) continue;
            switch (m)
            {
                case Linear linear:
                    TruncatedNormal(linear.weight!, std);
                    linear.bias?.zero_();
                    break;
                case Embedding embedding:
                    TruncatedNormal(embedding.weight!, std);
                    break;
                case LayerNorm norm:
                    norm.weight!.fill_(1);
                    norm.bias!.zero_();
                    break;
            }
        }
        foreach (var e in root.modules().OfType<ElectraEmbeddings>().Where(e => !skipped.Contains(e)))
            e.WordEmbeddings[config.PadTokenId].zero_();
    }

    /// <summary>Fills <paramref name="t"/> from N(0, σ²) truncated to [−2σ, 2σ].</summary>
    public static void TruncatedNormal(Tensor t, double std)
    {
        const double Phi = 0.022750131948179195; // Φ(−2): mass of the standard normal below −2
        using var noGrad = no_grad();
        t.uniform_(2 * Phi - 1, 1 - 2 * Phi).erfinv_().mul_(std * Math.Sqrt(2)).clamp_(-2 * std, 2 * std);
    }
}
