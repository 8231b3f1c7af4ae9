using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace Electra.Modeling;

/// <summary>
/// Weight initialisation as google-research/electra: weights from a normal of σ = initializer_range truncated
/// at 2σ (<c>tf.truncated_normal_initializer</c>; HF uses an untruncated normal), biases 0, LayerNorm 1/0.
/// The [PAD] row of the word table is 0, as HF's <c>padding_idx</c> makes it.
/// </summary>
public static class Initialization
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
                    nn.init.trunc_normal_(linear.weight!, 0, std, -2 * std, 2 * std);
                    linear.bias?.zero_();
                    break;
                case Embedding embedding:
                    nn.init.trunc_normal_(embedding.weight!, 0, std, -2 * std, 2 * std);
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
}
