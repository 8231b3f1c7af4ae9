using System.Numerics;
using TorchSharp;
using static TorchSharp.torch;

namespace Electra.Modeling;

/// <summary>
/// Inverted dropout whose keep mask on CPU is written by managed code on all intra-op threads. libtorch's CPU
/// generator fills tensors on one thread, 6–7 ns per element with a modulo per draw (measured): at that rate the
/// ~50 M mask elements of a Small b32 step take ~300 ms on one core while the other waits (docs/performance.md). Here each element's
/// keep bit is a 16-bit lane of a counter-based SplitMix64 hash of its index and a per-call seed, so blocks fill in
/// parallel and the mask does not depend on the thread count. The hash runs on SIMD vectors (<c>Vector&lt;ulong&gt;</c>):
/// a [32, 4, 128, 128] mask takes 0.6 ms on one thread, against 5.6 ms for the same values computed a hash at a
/// time (docs/performance.md). The seed is one draw from libtorch's default
/// generator, so <c>torch.manual_seed</c> makes runs repeat as with <c>nn.functional.dropout</c>.
/// The keep probability is quantised to 1/65536 (0.9 → 0.899994) and the scale is its exact inverse, so the
/// expectation is unchanged. On CUDA (Philox, already fast) this is <c>nn.functional.dropout</c>.
/// [..] → [..]. No parameters or buffers, so state_dict keys are unaffected.
/// </summary>
internal sealed class FastDropout : nn.Module<Tensor, Tensor>
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
        var scale = KeepScale(x.shape, 1 - p); // [..] float32, 0 or 1/P(keep)
        return (x * (x.dtype == ScalarType.Float32 ? scale : scale.to(x.dtype))).MoveToOuterDisposeScope();
    }

    /// <summary>
    /// A float32 CPU tensor of <paramref name="shape"/> holding 1/q where an element is kept (probability q, quantised
    /// to 1/65536) and 0 elsewhere.
    /// </summary>
    public static Tensor KeepScale(long[] shape, double keepProbability)
    {
        if (keepProbability is <= 0 or > 1) throw new ArgumentException($"keep probability must be in (0, 1] (got {keepProbability})");
        uint kept = (uint)Math.Clamp(Math.Round(keepProbability * 65536), 1, 65536);
        // One draw from the default generator (a CPU read, not a device sync): the per-call seed of the hash.
        ulong seed;
        using (var draw = randint(long.MinValue, long.MaxValue, new long[] { 1 }, dtype: ScalarType.Int64)) seed = (ulong)draw.item<long>();
        var scale = empty(shape, ScalarType.Float32);
        FillKeepScale(scale.bytes, seed, kept, (float)(65536.0 / kept));
        return scale;
    }

    const int BlockElements = 1 << 16; // a block is 256 KB of mask: big enough to amortise scheduling, small enough to balance

    /// <summary>Writes the keep scale of every element of <paramref name="bytes"/> (float32): the function of (seed, index) above.</summary>
    internal static void FillKeepScale(Span<byte> bytes, ulong seed, uint kept, float scale)
    {
        long n = bytes.Length / sizeof(float);
        int blocks = (int)((n + BlockElements - 1) / BlockElements);
        unsafe
        {
            fixed (byte* p = bytes)
            {
                var dst = (IntPtr)p;
                int threads = Math.Min(blocks, torch.get_num_threads());
                if (threads <= 1)
                    for (int b = 0; b < blocks; b++) FillBlock((float*)dst, n, b, seed, kept, scale);
                else
                    Parallel.For(0, blocks, new ParallelOptions { MaxDegreeOfParallelism = threads },
                        b => FillBlock((float*)dst, n, b, seed, kept, scale));
            }
        }
    }

    // Elements 4j..4j+3 take the four 16-bit lanes of SplitMix64(seed + j·γ): the result depends only on the index.
    static unsafe void FillBlock(float* dst, long n, int block, ulong seed, uint kept, float scale)
    {
        long start = (long)block * BlockElements, end = Math.Min(n, start + BlockElements);
        long i = Vector.IsHardwareAccelerated && kept < 65536 ? FillVectors(dst, start, end, seed, (ushort)kept, scale) : start;
        for (; i + 4 <= end; i += 4)
        {
            ulong z = SplitMix64(seed + (ulong)(i >> 2) * Golden);
            dst[i] = (uint)(z & 0xFFFF) < kept ? scale : 0f;
            dst[i + 1] = (uint)((z >> 16) & 0xFFFF) < kept ? scale : 0f;
            dst[i + 2] = (uint)((z >> 32) & 0xFFFF) < kept ? scale : 0f;
            dst[i + 3] = (uint)(z >> 48) < kept ? scale : 0f;
        }
        for (ulong z = SplitMix64(seed + (ulong)(i >> 2) * Golden); i < end; i++, z >>= 16) // the last 1–3 elements
            dst[i] = (uint)(z & 0xFFFF) < kept ? scale : 0f;
    }

    /// <summary>
    /// The scalar loop's values, <c>Vector&lt;ulong&gt;.Count</c> hashes (4 elements each) per iteration: read as
    /// 16-bit lanes, a vector of hashes is the elements' draws in index order (little-endian). Returns where it stopped.
    /// </summary>
    static unsafe long FillVectors(float* dst, long i, long end, ulong seed, ushort kept, float scale)
    {
        int hashes = Vector<ulong>.Count, width = 4 * hashes;
        Span<ulong> offsets = stackalloc ulong[hashes];
        for (int k = 0; k < hashes; k++) offsets[k] = (ulong)k * Golden;
        var laneOffsets = new Vector<ulong>(offsets); // counters j..j+hashes-1 of one iteration, relative to j
        var threshold = new Vector<ushort>(kept);
        var scaleBits = new Vector<int>(BitConverter.SingleToInt32Bits(scale));
        for (; i + width <= end; i += width)
        {
            var z = SplitMix64(new Vector<ulong>(seed + (ulong)(i >> 2) * Golden) + laneOffsets);
            var keep = Vector.AsVectorInt16(Vector.LessThan(Vector.AsVectorUInt16(z), threshold)); // -1 keep, 0 drop
            Vector.Widen(keep, out Vector<int> first, out Vector<int> second); // sign-extended: all bits set or none
            Vector.AsVectorSingle(first & scaleBits).Store(dst + i);
            Vector.AsVectorSingle(second & scaleBits).Store(dst + i + width / 2);
        }
        return i;
    }

    const ulong Golden = 0x9E3779B97F4A7C15UL;

    static ulong SplitMix64(ulong z)
    {
        z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9UL;
        z = (z ^ (z >> 27)) * 0x94D049BB133111EBUL;
        return z ^ (z >> 31);
    }

    static Vector<ulong> SplitMix64(Vector<ulong> z)
    {
        z = (z ^ Vector.ShiftRightLogical(z, 30)) * 0xBF58476D1CE4E5B9UL;
        z = (z ^ Vector.ShiftRightLogical(z, 27)) * 0x94D049BB133111EBUL;
        return z ^ Vector.ShiftRightLogical(z, 31);
    }
}
