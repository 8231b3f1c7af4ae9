using System.Runtime.InteropServices;

namespace Electra.Native;

/// <summary>The few libc calls the runtime settings need (.NET's own environment does not reach native code on Linux).</summary>
internal static partial class LibC
{
    [LibraryImport("libc", EntryPoint = "setenv", StringMarshalling = StringMarshalling.Utf8)]
    internal static partial int SetEnv(string name, string value, int overwrite);

    [LibraryImport("libc", EntryPoint = "mallopt")]
    internal static partial int MallOpt(int param, int value);
}
