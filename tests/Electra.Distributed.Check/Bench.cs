using System.Diagnostics;
using Electra.Native;
using static TorchSharp.torch;

namespace Electra.Distributed.Check;

/// <summary>
/// Samples/s of one data-parallel training step (forward, backward, gradient all-reduce, AdamW step) on a
/// 4.2M-parameter MLP with a fixed per-rank batch (weak scaling), and the share of the step spent in the all-reduce.
/// </summary>
static class Bench
{
    const int Width = 512, Inner = 2048, Warmup = 3;

    public static int Run(Mpi mpi, CheckOptions o)
    {
        manual_seed(7);
        using var model = nn.Sequential(
            ("dense1", nn.Linear(Width, Inner)), ("act1", nn.GELU()), ("out1", nn.Linear(Inner, Width)),
            ("dense2", nn.Linear(Width, Inner)), ("act2", nn.GELU()), ("out2", nn.Linear(Inner, Width)));
        mpi.BroadcastParameters(model);
        using var reduce = new GradientAllReduce(mpi, model.parameters(), new GradientAllReduceOptions { Overlap = o.Overlap });
        var optimizer = optim.AdamW(model.parameters(), lr: 1e-4);
        using var x = randn(o.Batch, Width);  // [b, W]
        using var y = randn(o.Batch, Width);  // [b, W]

        var total = new Stopwatch();
        var communication = new Stopwatch();
        for (int step = 0; step < Warmup + o.Steps; step++)
        {
            if (step == Warmup)
            {
                mpi.Barrier("bench start");
                total.Restart();
                communication.Reset();
            }
            using var scope = NewDisposeScope();
            optimizer.zero_grad();
            nn.functional.mse_loss(model.call(x), y).backward();
            communication.Start();
            reduce.AverageGradients();
            communication.Stop();
            optimizer.step();
        }
        mpi.Barrier("bench end");
        total.Stop();

        var times = new double[] { total.Elapsed.TotalSeconds, communication.Elapsed.TotalSeconds };
        mpi.AverageMetrics(times);
        if (mpi.IsRoot)
        {
            double samples = (double)o.Steps * o.Batch * mpi.Size;
            Console.WriteLine($"bench: ranks {mpi.Size}, torch threads/rank {get_num_threads()}, batch/rank {o.Batch}, steps {o.Steps} (+{Warmup} warm-up), " +
                              $"{reduce.BytesPerStep / 1e6:F1} MB gradients/step, overlap {o.Overlap}, {TorchRuntime.Describe()}");
            Console.WriteLine($"bench: {samples / times[0]:F1} samples/s, {1000 * times[0] / o.Steps:F1} ms/step, all-reduce {1000 * times[1] / o.Steps:F1} ms/step ({100 * times[1] / times[0]:F0}%)");
        }
        return 0;
    }
}
