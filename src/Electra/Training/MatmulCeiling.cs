using System.Diagnostics;
using TorchSharp;
using static TorchSharp.torch;

namespace Electra.Training;

/// <summary>
/// The matmul throughput this process reaches on a device: the denominator of the trainer's MFU. On a GPU the
/// datasheet's peak is the usual denominator; on CPUs it is rarely known (clock, vector width and BLAS all vary, and
/// our machines' fp32 ceilings measured 110–320 GFLOP/s), so the trainer measures it: large square products in the
/// training's dtype, best of a few repetitions (the benchmark's matmul-ceiling row also tries 2048, with more repetitions).
/// </summary>
internal static class MatmulCeiling
{
    /// <summary>The side of the square products: big enough for the BLAS to reach its steady state, ~2 GFLOP each.</summary>
    public const int Size = 1024;

    /// <summary>
    /// GFLOP/s of the best of <paramref name="repetitions"/> timed <c>mm</c>s of two [Size, Size] matrices (after one
    /// warm-up) on <paramref name="device"/>, in its <see cref="TrainingDevice.MatmulType"/>.
    /// </summary>
    public static double MeasureGflops(TrainingDevice device, int repetitions = 3)
    {
        using var scope = NewDisposeScope();
        var a = ones(Size, Size, dtype: device.MatmulType, device: device.Device); // [n, n] values do not change the time; no generator is drawn from
        var b = ones(Size, Size, dtype: device.MatmulType, device: device.Device);
        double best = double.MaxValue;
        for (int i = 0; i <= repetitions; i++)
        {
            var clock = Stopwatch.StartNew();
            using var c = mm(a, b); // [n, n]
            device.Synchronize();
            if (i > 0) best = Math.Min(best, clock.Elapsed.TotalSeconds); // the first is the warm-up
        }
        return 2.0 * Size * Size * Size / best / 1e9;
    }
}
