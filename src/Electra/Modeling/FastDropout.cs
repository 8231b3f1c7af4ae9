using TorchSharp;
using static TorchSharp.torch;

namespace Electra.Modeling;

/// <summary>
/// Inverted dropout whose keep mask on CPU comes from 16-bit random integers: libtorch's CPU
/// <c>bernoulli_</c> draws a 64-bit number per element in a serial loop, about 10% of a pre-training step on one
/// thread and more on two (docs/performance.md); two 16-bit lanes of each 32-bit draw cost a third of that.
/// The keep probability is quantised to 1/65536 (0.9 → 0.899994) and the scale is its exact inverse, so the
/// expectation is unchanged. On CUDA (Philox, already fast) this is <c>nn.functional.dropout</c>.
/// [..] → [..]. No parameters or buffers, so state_dict keys are unaffected.
/// </summary>
public sealed class FastDropout : nn.Module<Tensor, Tensor>
{
    readonly double p;

    /// <summary>Drops each element with probability <paramref name="p"/> in training mode.</summary>
    public FastDropout(double p) : base("dropout")
    {
        if (p is < 0 or >= 1) throw new ArgumentException($"dropout probability must be in [0, 1) (got {p})");
        this.p = p;
    }

    /// <summary>x in eval mode or with p = 0; otherwise x · keep / P(keep).</summary>
    public override Tensor forward(Tensor x) => Apply(x, p, training);

    /// <summary>The function behind the module (attention applies it to its probabilities).</summary>
    public static Tensor Apply(Tensor x, double p, bool training)
    {
        if (!training || p == 0) return x.alias();
        if (x.device.type != DeviceType.CPU) return nn.functional.dropout(x, p, training: true);
        using var scope = NewDisposeScope();
        long n = x.numel();
        // keep ⇔ lane < kept, with two uniform 16-bit lanes per 32-bit draw: low on [0, 65535], high on [-32768, 32767].
        long kept = (long)Math.Round((1 - p) * 65536);
        var draws = randint(int.MinValue, int.MaxValue, new[] { (n + 1) / 2 }, dtype: ScalarType.Int32, device: x.device); // [⌈n/2⌉]
        var keep = cat(new[] { draws.bitwise_and(0xFFFF).lt(kept), draws.bitwise_right_shift(16).lt(kept - 32768) }) // [2·⌈n/2⌉]
            .narrow(0, 0, n).view(x.shape); // [..]
        var scale = keep.to(x.dtype).mul_(65536.0 / kept); // [..] 0 or 1/P(keep)
        return (x * scale).MoveToOuterDisposeScope();
    }
}
