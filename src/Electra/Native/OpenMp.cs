using System.Runtime.InteropServices;

namespace Electra.Native;

/// <summary>
/// libtorch's OpenMP (libgomp) reads <c>OMP_WAIT_POLICY</c> once, when libtorch loads. With the default (spin
/// before sleeping), a 2-thread parallel region on a machine where other processes hold the cores waits for a
/// descheduled thread on every op: Tiny pre-training ran 10× slower at load 10 (docs/performance.md). PASSIVE
/// makes idle workers sleep at once. .NET's Environment.SetEnvironmentVariable does not reach the native
/// environment on Linux, hence <c>setenv</c>.
/// </summary>
public static partial class OpenMp
{
    /// <summary>Sets <c>OMP_WAIT_POLICY</c> unless the user already did; call before the first torch call.</summary>
    public static string ApplyWaitPolicy(string policy)
    {
        string? existing = Environment.GetEnvironmentVariable("OMP_WAIT_POLICY");
        if (existing is not null) return existing;
        if (setenv("OMP_WAIT_POLICY", policy, 1) != 0) throw new InvalidOperationException("setenv(OMP_WAIT_POLICY) failed");
        return policy;
    }

    [LibraryImport("libc", StringMarshalling = StringMarshalling.Utf8)]
    private static partial int setenv(string name, string value, int overwrite);
}
