using Electra.Modeling;
using Electra.Training;
using static TorchSharp.torch;

namespace Electra.Bench;

/// <summary>The outcome of <see cref="LeakCheck.Run"/>.</summary>
/// <param name="Steps">Steps taken after the warm-up.</param>
/// <param name="StartRssMb">RSS after the warm-up.</param>
/// <param name="EndRssMb">RSS after the last step.</param>
/// <param name="SlopeMbPer1000Steps">Least-squares slope of RSS over the samples.</param>
/// <param name="ThresholdMb">Allowed growth.</param>
sealed record LeakReport(int Steps, double StartRssMb, double EndRssMb, double SlopeMbPer1000Steps, double ThresholdMb)
{
    /// <summary>Growth start → end and the slope over the run both stay within the threshold.</summary>
    public bool Passed => EndRssMb - StartRssMb <= ThresholdMb && SlopeMbPer1000Steps * Steps / 1000 <= ThresholdMb;
}

/// <summary>
/// Runs Tiny training steps and samples RSS: a tensor escaping its dispose scope, or native memory held across
/// steps, shows up as a steady climb. The warm-up lets the allocator and the optimizer state reach steady size.
/// </summary>
static class LeakCheck
{
    /// <summary>Warm-up steps before the start RSS is taken.</summary>
    const int WarmupSteps = 50;

    /// <summary>Steps between RSS samples.</summary>
    const int SampleEvery = 25;

    /// <summary>Trains <paramref name="steps"/> Tiny steps of B × L and reports the RSS trend, printing a line per 100 steps.</summary>
    public static LeakReport Run(int steps, int batch, int seq, TrainingDevice device, double thresholdMb)
    {
        using var step = new TrainingStep(ElectraPreset.Tiny, batch, seq, device);
        for (int i = 0; i < WarmupSteps; i++) step.Run();
        GC.Collect();
        var samples = new List<(double Step, double Rss)> { (0, Memory.RssMb()) };
        for (int i = 1; i <= steps; i++)
        {
            step.Run();
            if (i % SampleEvery == 0) samples.Add((i, Memory.RssMb()));
            if (i % 100 == 0) Console.WriteLine($"  step {i,5}: rss {samples[^1].Rss:F1} MB");
        }
        double meanX = samples.Average(s => s.Step), meanY = samples.Average(s => s.Rss);
        double slope = samples.Sum(s => (s.Step - meanX) * (s.Rss - meanY)) / samples.Sum(s => (s.Step - meanX) * (s.Step - meanX));
        return new LeakReport(steps, samples[0].Rss, samples[^1].Rss, slope * 1000, thresholdMb);
    }
}
