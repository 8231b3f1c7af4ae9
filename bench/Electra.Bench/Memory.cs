namespace Electra.Bench;

/// <summary>Resident set size of this process from <c>/proc/self/status</c> (Linux).</summary>
static class Memory
{
    /// <summary>Current RSS (VmRSS) in MB.</summary>
    public static double RssMb() => Read("VmRSS:");

    /// <summary>Peak RSS (VmHWM) in MB since the process started or <see cref="ResetPeak"/>.</summary>
    public static double PeakRssMb() => Read("VmHWM:");

    /// <summary>Resets the peak to the current RSS (writing 5 to <c>/proc/self/clear_refs</c>), so each row reports its own peak.</summary>
    public static void ResetPeak()
    {
        try
        {
            File.WriteAllText("/proc/self/clear_refs", "5");
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            // Older kernels refuse: the peak then spans the process, which the JSON's machine block says.
            PeakIsPerRow = false;
        }
    }

    /// <summary>False once resetting the peak failed: peaks then include earlier rows.</summary>
    public static bool PeakIsPerRow { get; private set; } = true;

    static double Read(string field)
    {
        foreach (string line in File.ReadLines("/proc/self/status"))
            if (line.StartsWith(field, StringComparison.Ordinal))
                return long.Parse(line[field.Length..].Trim().Split(' ')[0], System.Globalization.CultureInfo.InvariantCulture) / 1024.0; // kB
        throw new InvalidOperationException($"/proc/self/status has no {field} line (the benchmark's memory figures need Linux)");
    }
}
