namespace Electra.Training;

/// <summary>The training done in one log interval and the training time it took.</summary>
/// <param name="Steps">Optimizer steps.</param>
/// <param name="Tokens">Non-padding tokens, all ranks.</param>
/// <param name="Seconds">Training time: wall time minus the pauses (evaluation, checkpoints).</param>
internal sealed record IntervalThroughput(long Steps, long Tokens, double Seconds)
{
    /// <summary>Tokens per second of training time.</summary>
    public double TokensPerSecond => Tokens / Math.Max(Seconds, 1e-9);
}

/// <summary>
/// Throughput of log intervals: counts the steps and tokens of an interval and the time they took, with the time of
/// evaluations and checkpoints left out (<see cref="Pause"/>), so counters and clock always cover the same steps.
/// </summary>
internal sealed class IntervalClock
{
    readonly TimeProvider time;
    long started, pausedTicks, steps, tokens;

    /// <summary>Starts the first interval now; <paramref name="time"/> is the system clock unless a test supplies one.</summary>
    public IntervalClock(TimeProvider? time = null)
    {
        this.time = time ?? TimeProvider.System;
        started = this.time.GetTimestamp();
    }

    /// <summary>Counts one step of <paramref name="stepTokens"/> tokens.</summary>
    public void Add(long stepTokens)
    {
        steps++;
        tokens += stepTokens;
    }

    /// <summary>Leaves the time until the returned scope is disposed out of the interval.</summary>
    public IDisposable Pause() => new PauseScope(this, time.GetTimestamp());

    /// <summary>The interval so far; starts the next one.</summary>
    public IntervalThroughput Lap()
    {
        long now = time.GetTimestamp();
        var seconds = (now - started - pausedTicks) / (double)time.TimestampFrequency;
        var result = new IntervalThroughput(steps, tokens, seconds);
        started = now;
        pausedTicks = steps = tokens = 0;
        return result;
    }

    sealed class PauseScope(IntervalClock clock, long from) : IDisposable
    {
        public void Dispose() => clock.pausedTicks += clock.time.GetTimestamp() - from;
    }
}
