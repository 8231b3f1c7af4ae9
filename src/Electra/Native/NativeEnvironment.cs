using System.Runtime.InteropServices;

namespace Electra.Native;

/// <summary>
/// Environment variables that native libraries (libgomp, MKL) read from the C environment. .NET's
/// Environment.SetEnvironmentVariable does not reach the native environment on Linux, hence <c>setenv</c>.
/// </summary>
static partial class NativeEnvironment
{
    /// <summary>Sets <paramref name="name"/> in the C environment and in .NET's view of it (for logs and child processes).</summary>
    public static void Set(string name, string value)
    {
        if (setenv(name, value, 1) != 0) throw new InvalidOperationException($"setenv({name}) failed");
        Environment.SetEnvironmentVariable(name, value);
    }

    [LibraryImport("libc", StringMarshalling = StringMarshalling.Utf8)]
    private static partial int setenv(string name, string value, int overwrite);
}
