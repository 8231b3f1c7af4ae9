using TorchSharp.Modules;
using static TorchSharp.torch;

namespace Electra.Modeling;

/// <summary>
/// Mixed precision by hand, because TorchSharp 0.107 has no autocast. Like PyTorch's <c>torch.autocast</c>
/// it is thread-local state: inside <see cref="Enable"/>, matmuls and attention run in the given dtype
/// (bf16 on CUDA) from fp32 master weights, while LayerNorm, softmax-based losses and sampling stay fp32.
/// Outside it (and always on CPU by default) everything is fp32.
/// </summary>
internal static class Autocast
{
    [ThreadStatic] static ScalarType? current;

    /// <summary>The compute dtype of matmuls on this thread, or null for the parameters' dtype.</summary>
    public static ScalarType? Current => current;

    /// <summary>Runs matmuls in <paramref name="dtype"/> until the returned scope is disposed.</summary>
    public static IDisposable Enable(ScalarType dtype)
    {
        var previous = current;
        current = dtype;
        return new Restore(previous);
    }

    sealed class Restore(ScalarType? previous) : IDisposable
    {
        public void Dispose() => current = previous;
    }

    /// <summary>A linear layer in the autocast dtype: [.., in] → [.., out].</summary>
    internal static Tensor Apply(this Linear linear, Tensor x)
    {
        if (current is not { } dt) return linear.call(x);
        return nn.functional.linear(x.to(dt), linear.weight!.to(dt), linear.bias?.to(dt));
    }

    /// <summary>LayerNorm always in fp32 (its statistics are what bf16 gets wrong).</summary>
    internal static Tensor Apply(this LayerNorm norm, Tensor x) =>
        norm.call(current is null ? x : x.to(ScalarType.Float32));
}
