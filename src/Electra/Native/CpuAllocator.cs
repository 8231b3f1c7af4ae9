namespace Electra.Native;

/// <summary>
/// Tunes how libtorch's CPU tensors get their memory on Linux. libtorch allocates from glibc's malloc, which by default
/// returns the top of its heap to the kernel whenever more than 64 MB there is free: a training step frees hundreds of
/// MB of activations, so the next step takes them back page by page, each page faulted in and zeroed by the kernel
/// (<c>clear_page_erms</c> was 6% of a Small step's CPU time in <c>perf</c>). <see cref="Configure"/> keeps blocks up
/// to 32 MB (glibc's maximum) in the heap and never trims it. Blocks over 32 MB (the generator's [B, N, V] logits and
/// their gradients) still come fresh from mmap; transparent huge pages for them were tried and cleared more memory.
/// </summary>
public static class CpuAllocator
{
    const int M_TRIM_THRESHOLD = -1, M_MMAP_THRESHOLD = -3;

    /// <summary>The largest mmap threshold glibc accepts on 64-bit (<c>DEFAULT_MMAP_THRESHOLD_MAX</c>).</summary>
    const int MmapThresholdMax = 32 * 1024 * 1024;

    /// <summary>
    /// Applies the settings unless <c>ELECTRA_CPU_ALLOCATOR=default</c> is set; call before the first tensor
    /// (the CLI and the benchmark do, first thing). Returns a short description for logs. No-op outside Linux/glibc.
    /// </summary>
    public static string Configure()
    {
        if (!OperatingSystem.IsLinux()) return "default (not Linux)";
        if (Environment.GetEnvironmentVariable("ELECTRA_CPU_ALLOCATOR") == "default") return "default (ELECTRA_CPU_ALLOCATOR=default)";
        try
        {
            // Setting either disables glibc's dynamic threshold, so both are set: the threshold at its maximum, trimming off.
            if (LibC.MallOpt(M_MMAP_THRESHOLD, MmapThresholdMax) != 1 || LibC.MallOpt(M_TRIM_THRESHOLD, int.MaxValue) != 1)
                return "default (mallopt refused)";
        }
        catch (EntryPointNotFoundException)
        {
            return "default (not glibc)";
        }
        return "glibc heap kept (mmap threshold 32 MB, no trim)";
    }
}
