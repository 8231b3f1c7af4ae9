using static TorchSharp.torch;

namespace Electra.Bench;

/// <summary>The fp32 matmul ceiling of this process: large square <c>mm</c>s, best repetition of the best size.</summary>
static class MatmulCeiling
{
    /// <summary>Sizes tried; the ceiling is the fastest of them.</summary>
    static readonly int[] Sizes = { 1024, 2048 };

    /// <summary>Measures GFLOP/s (2·n³ per product) for each size and keeps the best repetition overall.</summary>
    public static Row Measure(Device device, int repetitions)
    {
        Memory.ResetPeak();
        Timing? best = null;
        int bestSize = 0;
        double bestGflops = 0;
        foreach (int n in Sizes)
        {
            using var a = randn(n, n, device: device);
            using var b = randn(n, n, device: device);
            var timing = Timing.Measure(() =>
            {
                using var c = mm(a, b); // [n, n]
                ModelBench.Synchronize(c);
            }, warmup: 1, repetitions);
            double gflops = 2.0 * n * n * n / timing.Min / 1e9;
            if (gflops > bestGflops) (best, bestSize, bestGflops) = (timing, n, gflops);
        }
        var extra = new Dictionary<string, object> { ["size"] = bestSize, ["statistic"] = "best repetition" };
        return new Row("matmul-ceiling", null, best!.Min * 1e3, bestGflops, Memory.PeakRssMb(), best, extra);
    }
}
