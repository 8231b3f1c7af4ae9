using System.Reflection;
using System.Runtime.InteropServices;
using TorchSharp;

namespace Electra.Native;

/// <summary>
/// Loads libtorch once and, when that fails, says why in terms a user can act on. TorchSharp's own
/// message blames a missing backend package even when the real cause is the system libstdc++.
/// </summary>
public static class TorchRuntime
{
    static readonly Lazy<Exception?> LoadError = new(TryLoad, LazyThreadSafetyMode.ExecutionAndPublication);

    /// <summary>
    /// Throws <see cref="InvalidOperationException"/> with the cause when libtorch cannot be loaded. The first call also
    /// pins MKL to reproducible results (<see cref="Mkl.PinReproducibility"/>).
    /// </summary>
    public static void EnsureLoaded()
    {
        if (LoadError.Value is { } e) throw new InvalidOperationException(e.Message, e.InnerException);
    }

    static Exception? TryLoad()
    {
        Mkl.PinReproducibility(); // before MKL's first call, which reads it
        try
        {
            torch.InitializeDeviceType(DeviceType.CPU);
            return null;
        }
        catch (Exception e) when (e is NotSupportedException or TypeInitializationException or DllNotFoundException)
        {
            return new InvalidOperationException(Explain(), e);
        }
    }

    /// <summary>Asks the dynamic loader directly for the library TorchSharp needs and turns its answer into advice.</summary>
    static string Explain()
    {
        const string Library = "libLibTorchSharp.so";
        string baseDir = AppContext.BaseDirectory;
        string? copy = Directory.Exists(baseDir)
            ? Directory.EnumerateFiles(baseDir, Library, SearchOption.AllDirectories).FirstOrDefault()
            : null;
        string loaderSays;
        try
        {
            NativeLibrary.Free(copy is not null
                ? NativeLibrary.Load(copy)
                : NativeLibrary.Load("LibTorchSharp", typeof(torch).Assembly, DllImportSearchPath.AssemblyDirectory));
            loaderSays = "the dynamic loader loads it, so libtorch itself (libtorch.so and friends) is what fails";
        }
        catch (DllNotFoundException e)
        {
            loaderSays = e.Message;
        }

        if (loaderSays.Contains("GLIBCXX_3.4.32", StringComparison.Ordinal))
            return $"TorchSharp cannot load {copy ?? Library}: it needs GLIBCXX_3.4.32 (GCC 13's libstdc++), which this system's libstdc++ lacks. " +
                   "Electra's build step marks that requirement weak in the copy in your build output; it did not run on this copy. " +
                   "Rebuild with the Electra package referenced and ElectraPatchLibStdCxx not set to false (or -p:ElectraPatchLibStdCxx=always), " +
                   "or install a newer libstdc++ (GCC 13+).";
        if (copy is null)
            return $"TorchSharp's native library {Library} is not in {baseDir}: reference a libtorch backend package " +
                   "(libtorch-cpu-linux-x64 2.10.0, or TorchSharp-cuda-linux with -p:ElectraBackend=cuda).";
        return $"TorchSharp cannot load {copy}: {loaderSays}.";
    }

    /// <summary>The TorchSharp and libtorch versions in use, for logs and benchmark records.</summary>
    public static string Describe()
    {
        EnsureLoaded();
        string ts = typeof(torch).Assembly.GetCustomAttribute<AssemblyInformationalVersionAttribute>()?.InformationalVersion ?? "?";
        return $"TorchSharp {ts.Split('+')[0]}, threads {torch.get_num_threads()}, cuda {torch.cuda.is_available()}";
    }
}
