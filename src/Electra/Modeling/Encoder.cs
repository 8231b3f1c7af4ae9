using TorchSharp.Modules;
using static TorchSharp.torch;

namespace Electra.Modeling;

/// <summary>A stack of <see cref="ElectraLayer"/>s (HF <c>ElectraEncoder</c>, keys <c>encoder.layer.N.*</c>). [B, T, H] → [B, T, H].</summary>
internal sealed class ElectraEncoder : nn.Module<Tensor, Tensor, Tensor>
{
    readonly ModuleList<ElectraLayer> layer;

    /// <summary>Builds <see cref="ElectraConfig.NumHiddenLayers"/> layers.</summary>
    public ElectraEncoder(ElectraConfig config) : base("encoder")
    {
        layer = new ModuleList<ElectraLayer>(Enumerable.Range(0, config.NumHiddenLayers).Select(_ => new ElectraLayer(config)).ToArray());
        RegisterComponents();
    }

    /// <summary>The layers, bottom first (fine-tuning uses them for layer-wise learning-rate decay).</summary>
    public IReadOnlyList<ElectraLayer> Layers => layer.ToList();

    /// <summary>x [B, T, H], mask [B, 1, 1, T] → [B, T, H].</summary>
    public override Tensor forward(Tensor x, Tensor mask)
    {
        using var scope = NewDisposeScope();
        foreach (var l in layer) x = l.call(x, mask);
        return x.MoveToOuterDisposeScope();
    }
}
