using System.Reflection;
using System.Runtime.InteropServices;
using System.Text.Json;
using Electra.Distributed;
using Electra.Native;
using Electra.Training;
using TorchSharp;

namespace Electra.Diagnostics;

/// <summary>One line of <see cref="Doctor"/>'s report.</summary>
/// <param name="Name">What was checked (".NET", "TorchSharp", "Open MPI", …).</param>
/// <param name="Ok">Whether it is present and works.</param>
/// <param name="Detail">What was found: versions, devices, paths, or why it is missing.</param>
/// <param name="Fix">The one command (or step) that fixes a missing component; null when nothing needs fixing.</param>
/// <param name="Required">Whether pre-training on the default device needs it.</param>
public sealed record DoctorCheck(string Name, bool Ok, string Detail, string? Fix = null, bool Required = false);

/// <summary>Everything <see cref="Doctor.Run"/> checked.</summary>
/// <param name="Device">The device pre-training would use ("cpu" or "cuda").</param>
/// <param name="Checks">One line per component, in the order printed.</param>
public sealed record DoctorReport(string Device, IReadOnlyList<DoctorCheck> Checks)
{
    /// <summary>True when every required component is there: pre-training on <see cref="Device"/> can run.</summary>
    public bool CanPretrain => Checks.Where(c => c.Required).All(c => c.Ok);
}

/// <summary>What <see cref="Doctor.Run"/> looks at; the defaults describe this process and machine.</summary>
public sealed record DoctorOptions
{
    /// <summary>The device pre-training is asked for: auto (CUDA when usable, else CPU; pre-training's default), cpu or cuda.</summary>
    public string Device { get; init; } = "auto";

    /// <summary>The directories searched for <c>mpirun</c>; default the <c>PATH</c> environment variable.</summary>
    public string SearchPath { get; init; } = Environment.GetEnvironmentVariable("PATH") ?? "";

    /// <summary>The Open MPI library probed (as <see cref="MpiOptions.Library"/> names it).</summary>
    public string MpiLibrary { get; init; } = new MpiOptions().Library;

    /// <summary>Checks of components outside this package (ONNX Runtime, the corpus cache), appended in order.</summary>
    public IReadOnlyList<DoctorCheck> MoreChecks { get; init; } = [];
}

/// <summary>
/// What this machine can run: .NET, TorchSharp and the libtorch backend package, CUDA devices, bf16, threads and
/// BLAS, Open MPI, and whatever <see cref="DoctorOptions.MoreChecks"/> adds (the CLI adds ONNX Runtime and the corpus
/// cache, whose probes live in their own packages so that this one never loads ONNX Runtime). Each line says ok or
/// missing and the one command that fixes it; <see cref="DoctorReport.CanPretrain"/> says whether pre-training on
/// the default device can run. Nothing is written and nothing is installed.
/// </summary>
public static class Doctor
{
    /// <summary>The command that adds the CPU backend to an application (the version this build was made with).</summary>
    internal const string CpuBackendFix = "dotnet add package libtorch-cpu-linux-x64 --version 2.10.0";

    /// <summary>The step that gives a CUDA backend: TorchSharp-cuda-linux in place of the CPU package, and an NVIDIA driver.</summary>
    internal const string CudaFix = "install the NVIDIA driver and build with -p:ElectraBackend=cuda (TorchSharp-cuda-linux 0.107.0)";

    /// <summary>Runs every check; never throws for a missing component (that is a line of the report).</summary>
    public static DoctorReport Run(DoctorOptions? options = null)
    {
        options ??= new DoctorOptions();
        var checks = new List<DoctorCheck>
        {
            new(".NET", true, $"{RuntimeInformation.FrameworkDescription} on {RuntimeInformation.OSDescription} {RuntimeInformation.OSArchitecture}", Required: true),
        };
        string torchSharp = Version(typeof(torch).Assembly);
        Exception? loadError = null;
        try
        {
            TorchRuntime.EnsureLoaded();
        }
        catch (InvalidOperationException e)
        {
            loadError = e;
        }
        checks.Add(loadError is null
            ? new("TorchSharp", true, $"TorchSharp {torchSharp}, libtorch {torch.__version__} loaded", Required: true)
            : new("TorchSharp", false, $"TorchSharp {torchSharp}: libtorch does not load: {loadError.Message}", CpuBackendFix, Required: true));
        var backends = BackendPackages();
        checks.Add(backends.Count > 0
            ? new("libtorch backend", true, string.Join(", ", backends.Select(b => $"{b.Package} {b.Version} ({b.Kind})")), Required: true)
            : new("libtorch backend", false, "no libtorch backend package in this application's dependencies", CpuBackendFix, Required: true));
        if (loadError is not null) return new DoctorReport("cpu", [.. checks, .. MpiChecks(options), .. options.MoreChecks]);

        bool cudaUsable = torch.cuda.is_available();
        int devices = cudaUsable ? torch.cuda.device_count() : 0;
        string device = options.Device == "auto" ? (cudaUsable ? "cuda" : "cpu") : options.Device;
        checks.Add(cudaUsable
            ? new("CUDA", true, $"{devices} device{(devices == 1 ? "" : "s")}: " + string.Join(", ", Enumerable.Range(0, devices).Select(i => $"cuda:{i}")), Required: device == "cuda")
            : new("CUDA", false, backends.Any(b => b.Kind == "CUDA") ? "the CUDA backend is present but no device is usable (driver?)" : "not usable: the backend is CPU-only", CudaFix, Required: device == "cuda"));
        checks.Add(Bf16(device));
        checks.Add(new("threads and BLAS", true,
            $"{torch.get_num_threads()} libtorch threads on {Environment.ProcessorCount} cores ({CpuFeatures()}); BLAS: the oneMKL and OpenMP built into libtorch" +
            (Environment.GetEnvironmentVariable("OMP_NUM_THREADS") is { Length: > 0 } omp ? $"; OMP_NUM_THREADS={omp}" : "")));
        return new DoctorReport(device, [.. checks, .. MpiChecks(options), .. options.MoreChecks]);
    }

    /// <summary>
    /// The ONNX Runtime line from a probe the caller supplies (the Electra.Onnx package has one), so that this package
    /// never references ONNX Runtime; a probe that throws (the native library missing) makes it a missing line.
    /// </summary>
    public static DoctorCheck OnnxRuntime(Func<(string Version, IReadOnlyList<string> Providers)> probe)
    {
        ArgumentNullException.ThrowIfNull(probe);
        try
        {
            var (version, providers) = probe();
            return new("ONNX Runtime", true, $"{version}, execution providers {string.Join(", ", providers)}");
        }
        catch (Exception e) when (e is DllNotFoundException or TypeInitializationException or EntryPointNotFoundException or BadImageFormatException)
        {
            return new("ONNX Runtime", false, $"cannot load: {e.Message}", "dotnet add package Microsoft.ML.OnnxRuntime --version 1.32.0");
        }
    }

    /// <summary>Open MPI for multi-process pre-training: mpirun on the search path and libmpi loadable. Not required.</summary>
    static IEnumerable<DoctorCheck> MpiChecks(DoctorOptions options)
    {
        string? mpirun = options.SearchPath.Split(Path.PathSeparator, StringSplitOptions.RemoveEmptyEntries)
            .Select(d => Path.Combine(d, "mpirun")).FirstOrDefault(File.Exists);
        bool library = NativeLibrary.TryLoad(options.MpiLibrary, out nint handle);
        if (library) NativeLibrary.Free(handle);
        string fix = "apt-get install -y openmpi-bin libopenmpi-dev";
        if (mpirun is not null && library)
            yield return new("Open MPI", true, $"{mpirun} and {options.MpiLibrary}: multi-process pre-training (mpirun -n N electra pretrain …) can run");
        else
            yield return new("Open MPI", false,
                $"{(mpirun is null ? "mpirun is not on PATH" : mpirun)}; {options.MpiLibrary} {(library ? "loads" : "does not load")}: one process only (not needed for that)", fix);
    }

    /// <summary>Whether a bf16 matrix product runs on <paramref name="device"/> (what mixed-precision training would need). Not required.</summary>
    static DoctorCheck Bf16(string device)
    {
        try
        {
            using var scope = torch.NewDisposeScope();
            var d = TrainingDevice.Parse(device);
            var a = torch.ones(4, 4, dtype: torch.bfloat16, device: d);
            float sum = a.matmul(a).sum().to(torch.float32).cpu().item<float>(); // 16 entries of 4
            return sum == 64f
                ? new("bf16", true, $"bf16 matrix products run on {device}")
                : new("bf16", false, $"a bf16 matrix product on {device} gave {sum}, not 64", null);
        }
        catch (Exception e) when (e is ExternalException or InvalidOperationException or NotSupportedException or ArgumentException)
        {
            return new("bf16", false, $"bf16 does not run on {device}: {e.Message.Split('\n')[0]}", null);
        }
    }

    /// <summary>The CPU vector extensions that decide libtorch's kernels (from /proc/cpuinfo on Linux).</summary>
    static string CpuFeatures()
    {
        const string CpuInfo = "/proc/cpuinfo";
        if (!File.Exists(CpuInfo)) return RuntimeInformation.ProcessArchitecture.ToString();
        var flags = File.ReadLines(CpuInfo).FirstOrDefault(l => l.StartsWith("flags", StringComparison.Ordinal))?.Split(' ').ToHashSet() ?? [];
        var simd = new[] { "avx2", "avx512f", "avx512_bf16", "amx_tile" }.Where(flags.Contains).ToList();
        return simd.Count > 0 ? string.Join(" ", simd) : "no AVX2";
    }

    /// <summary>The libtorch backend packages this application was built with, from its <c>.deps.json</c>.</summary>
    static List<(string Package, string Version, string Kind)> BackendPackages()
    {
        var found = new List<(string, string, string)>();
        string? deps = Directory.Exists(AppContext.BaseDirectory) ? Directory.EnumerateFiles(AppContext.BaseDirectory, "*.deps.json").FirstOrDefault() : null;
        if (deps is null) return found;
        using var json = JsonDocument.Parse(File.ReadAllText(deps));
        if (!json.RootElement.TryGetProperty("libraries", out var libraries)) return found;
        foreach (var library in libraries.EnumerateObject())
        {
            var (package, version) = (library.Name.Split('/')[0], library.Name.Split('/').ElementAtOrDefault(1) ?? "?");
            if (package.StartsWith("libtorch-cpu", StringComparison.OrdinalIgnoreCase)) found.Add((package, version, "CPU"));
            else if (package.StartsWith("TorchSharp-cuda", StringComparison.OrdinalIgnoreCase)) found.Add((package, version, "CUDA"));
        }
        return found;
    }

    static string Version(Assembly assembly) =>
        assembly.GetCustomAttribute<AssemblyInformationalVersionAttribute>()?.InformationalVersion.Split('+')[0] ?? "?";
}
