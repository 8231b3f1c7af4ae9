namespace Electra.Native;

/// <summary>How libtorch's idle OpenMP workers wait for the next parallel region.</summary>
public enum OpenMpWait
{
    /// <summary>
    /// Spin <see cref="OpenMp.SpinCount"/> times, then sleep (<c>OMP_WAIT_POLICY=ACTIVE</c>, <c>GOMP_SPINCOUNT=20000</c>):
    /// back-to-back ops of a step find the worker awake, and a worker whose core another process wants sleeps soon.
    /// </summary>
    Spin,

    /// <summary>Sleep at once (<c>OMP_WAIT_POLICY=PASSIVE</c>): every parallel region wakes the worker with a futex.</summary>
    Passive,

    /// <summary>Spin until the next region (<c>OMP_WAIT_POLICY=ACTIVE</c>, libgomp's 30 billion spins).</summary>
    Active,
}

/// <summary>
/// libtorch's OpenMP (libgomp) reads <c>OMP_WAIT_POLICY</c> and <c>GOMP_SPINCOUNT</c> once, when libtorch loads.
/// libgomp's default (300,000 spins before sleeping) made a 2-thread step wait for a descheduled worker on every op
/// when other processes held the cores: Tiny pre-training ran 10× slower at load 10. PASSIVE fixed that but puts the
/// worker to sleep between the thousands of small ops of a step and wakes it through the kernel each time (5% of a
/// Small step's CPU time in scheduler code; the step used 1.71–1.76 of 2 cores). A bounded spin keeps both: Small b32
/// pre-training 1702 → 1829 tokens/s (medians of three alternating idle processes) using 1.92–1.93 cores, and Tiny b8
/// with two CPU hogs on the machine 1681–1772 → 1864–2057 tokens/s (docs/performance.md).
/// </summary>
public static class OpenMp
{
    /// <summary>Busy-wait iterations of <see cref="OpenMpWait.Spin"/> before a worker sleeps.</summary>
    internal const int SpinCount = 20_000;

    /// <summary>
    /// Sets how workers wait unless the user already set <c>OMP_WAIT_POLICY</c> (then nothing changes; a
    /// <c>GOMP_SPINCOUNT</c> of theirs is kept too); call before the first torch call. Returns the setting in force, for logs.
    /// </summary>
    public static string ApplyWaitPolicy(OpenMpWait wait = OpenMpWait.Spin)
    {
        string? existing = Environment.GetEnvironmentVariable("OMP_WAIT_POLICY");
        if (existing is not null) return Describe(existing, Environment.GetEnvironmentVariable("GOMP_SPINCOUNT"));
        NativeEnvironment.Set("OMP_WAIT_POLICY", wait == OpenMpWait.Passive ? "PASSIVE" : "ACTIVE");
        if (wait == OpenMpWait.Spin && Environment.GetEnvironmentVariable("GOMP_SPINCOUNT") is null) // the user's count wins
            NativeEnvironment.Set("GOMP_SPINCOUNT", SpinCount.ToString(System.Globalization.CultureInfo.InvariantCulture));
        return Describe(Environment.GetEnvironmentVariable("OMP_WAIT_POLICY")!, Environment.GetEnvironmentVariable("GOMP_SPINCOUNT"));
    }

    static string Describe(string policy, string? spinCount) => spinCount is null ? policy : $"{policy}, GOMP_SPINCOUNT {spinCount}";
}
