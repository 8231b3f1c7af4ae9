using System.Diagnostics;

namespace Electra.Bench;

/// <summary>
/// Seconds per repetition after a warm-up, as nanoGPT's bench.py reports them: the median and the spread
/// (max − min over the median), plus what else ran on the machine meanwhile.
/// </summary>
/// <param name="Median">Median seconds of one repetition.</param>
/// <param name="Min">Fastest repetition.</param>
/// <param name="Max">Slowest repetition.</param>
/// <param name="Repetitions">Timed repetitions.</param>
/// <param name="CpuUtilisation">This process's CPU-seconds per wall-second over the timed repetitions (≈ threads when uncontended).</param>
/// <param name="LoadBefore">1-minute load average before the timed repetitions.</param>
/// <param name="LoadAfter">1-minute load average after them.</param>
sealed record Timing(double Median, double Min, double Max, int Repetitions, double CpuUtilisation, double LoadBefore, double LoadAfter)
{
    /// <summary>(max − min) / median.</summary>
    public double Spread => (Max - Min) / Median;

    /// <summary>Runs <paramref name="repetition"/> <paramref name="warmup"/> times untimed, then <paramref name="repetitions"/> times timed.</summary>
    public static Timing Measure(Action repetition, int warmup, int repetitions)
    {
        for (int i = 0; i < warmup; i++) repetition();
        var seconds = new double[repetitions];
        double loadBefore = Machine.LoadAverage();
        var process = Process.GetCurrentProcess();
        process.Refresh();
        var cpuBefore = process.TotalProcessorTime;
        var total = Stopwatch.StartNew();
        for (int i = 0; i < repetitions; i++)
        {
            long start = Stopwatch.GetTimestamp();
            repetition();
            seconds[i] = Stopwatch.GetElapsedTime(start).TotalSeconds;
        }
        double wall = total.Elapsed.TotalSeconds;
        process.Refresh();
        double cpu = (process.TotalProcessorTime - cpuBefore).TotalSeconds;
        Array.Sort(seconds);
        return new Timing(seconds[repetitions / 2], seconds[0], seconds[^1], repetitions, cpu / wall, loadBefore, Machine.LoadAverage());
    }
}
