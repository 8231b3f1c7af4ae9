using Electra.Modeling;
using TorchSharp;
using static TorchSharp.torch;

namespace Electra.Tests;

public class FastDropoutTests
{
    [Fact]
    public void Keeps_each_element_with_the_quantised_probability_and_scales_by_its_inverse()
    {
        using var scope = NewDisposeScope();
        torch.manual_seed(5);
        var scale = FastDropout.KeepScale(new long[] { 3, 1000, 333 }, 0.9); // odd length: the 1–3-element tail is filled too
        float q = 58982 / 65536f; // round(0.9 · 65536) / 65536
        var values = scale.unique().output.data<float>().ToArray();
        Assert.Equal(new[] { 0f, 1 / q }, values, (a, b) => Math.Abs(a - b) < 1e-6f);
        var keep = scale.gt(0).to(ScalarType.Float64);
        double fraction = keep.mean().item<double>();
        Assert.InRange(fraction, q - 0.002, q + 0.002); // n ≈ 1M: 5 standard deviations ≈ 0.0015
        // Neighbours (same 64-bit draw and the next one) are uncorrelated.
        var k = keep.flatten() - q;
        foreach (int lag in new[] { 1, 3, 4 })
        {
            double corr = (k.narrow(0, 0, k.shape[0] - lag) * k.narrow(0, lag, k.shape[0] - lag)).mean().item<double>() / (q * (1 - q));
            Assert.InRange(corr, -0.01, 0.01);
        }
        // dropout(x) zeroes about p of x and scales the rest by 1/q, so its expectation is x.
        var y = FastDropout.Apply(ones(200_000), 0.1, training: true);
        Assert.InRange(y.eq(0).to(ScalarType.Float64).mean().item<double>(), 0.095, 0.105);
        Assert.True(y.eq(0).logical_or(y.sub(1 / q).abs().lt(1e-6)).all().item<bool>());
        Assert.InRange(y.mean().item<float>(), 0.99, 1.01);
    }

    [Fact]
    public void Follows_the_torch_seed_and_does_not_depend_on_the_thread_count()
    {
        using var scope = NewDisposeScope();
        int threads = torch.get_num_threads();
        try
        {
            var shape = new long[] { 4, 300_001 }; // several blocks
            torch.manual_seed(11);
            torch.set_num_threads(1);
            var a = FastDropout.KeepScale(shape, 0.9);
            var next = FastDropout.KeepScale(shape, 0.9);
            torch.manual_seed(11);
            torch.set_num_threads(2);
            var b = FastDropout.KeepScale(shape, 0.9);
            Assert.True(a.eq(b).all().item<bool>());
            Assert.False(a.eq(next).all().item<bool>()); // each call draws a new seed
        }
        finally
        {
            torch.set_num_threads(threads);
        }
    }

    [Theory]
    [InlineData(58982u)] // keep 0.9: the vector loop, then the scalar tail
    [InlineData(65536u)] // keep 1 (p below 1/131072): the scalar loop only
    [InlineData(1u)]
    public void Writes_the_documented_hash_of_each_index_whatever_the_loop(uint kept)
    {
        const ulong seed = 0x0123456789ABCDEFUL;
        float scale = (float)(65536.0 / kept);
        int n = 3 * 65536 + 37; // three blocks and a tail that is not a whole vector or a whole hash
        var bytes = new byte[n * sizeof(float)];
        FastDropout.FillKeepScale(bytes, seed, kept, scale);
        var actual = System.Runtime.InteropServices.MemoryMarshal.Cast<byte, float>(bytes);
        for (int i = 0; i < n; i++)
        {
            // Reference: element i is 16-bit lane i mod 4 of SplitMix64(seed + (i / 4)·γ).
            ulong z = seed + (ulong)(i / 4) * 0x9E3779B97F4A7C15UL;
            z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9UL;
            z = (z ^ (z >> 27)) * 0x94D049BB133111EBUL;
            z ^= z >> 31;
            uint draw = (uint)((z >> (16 * (i % 4))) & 0xFFFF);
            Assert.True(actual[i] == (draw < kept ? scale : 0f), $"element {i}: {actual[i]}, draw {draw}, kept {kept}");
        }
    }

    [Fact]
    public void Is_the_identity_in_eval_mode_and_keeps_the_input_dtype()
    {
        using var scope = NewDisposeScope();
        var x = randn(8, 16);
        Assert.True(FastDropout.Apply(x, 0.1, training: false).eq(x).all().item<bool>());
        var bf16 = randn(8, 16).to(ScalarType.BFloat16);
        Assert.Equal(ScalarType.BFloat16, FastDropout.Apply(bf16, 0.1, training: true).dtype);
    }
}
