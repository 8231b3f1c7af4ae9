using System.Globalization;
using System.Reflection;
using System.Runtime.InteropServices;
using System.Text.Json;
using TorchSharp;

namespace Electra.Bench;

/// <summary>What every figure carries: CPU, cores, threads, OS, runtime, TorchSharp/libtorch versions and the command.</summary>
static class Machine
{
    /// <summary>The 1-minute load average from <c>/proc/loadavg</c>.</summary>
    public static double LoadAverage() =>
        double.Parse(File.ReadAllText("/proc/loadavg").Split(' ')[0], CultureInfo.InvariantCulture);

    /// <summary>The machine block of the JSON report.</summary>
    public static Dictionary<string, object> Describe(string command, string device)
    {
        return new Dictionary<string, object>
        {
            ["cpu_model"] = CpuModel(),
            ["cores"] = Environment.ProcessorCount,
            ["torch_threads"] = torch.get_num_threads(),
            ["os"] = RuntimeInformation.OSDescription,
            ["dotnet"] = RuntimeInformation.FrameworkDescription,
            ["torchsharp"] = (typeof(torch).Assembly.GetCustomAttribute<AssemblyInformationalVersionAttribute>()?.InformationalVersion ?? "?").Split('+')[0],
            ["libtorch"] = LibtorchPackage(),
            ["device"] = device,
            ["cuda_available"] = torch.cuda.is_available(),
            ["peak_rss_per_row"] = Memory.PeakIsPerRow,
            ["loadavg_1m_at_start"] = LoadAverage(),
            ["command"] = command,
        };
    }

    static string CpuModel()
    {
        foreach (string line in File.ReadLines("/proc/cpuinfo"))
            if (line.StartsWith("model name", StringComparison.Ordinal))
                return line[(line.IndexOf(':') + 1)..].Trim();
        return RuntimeInformation.ProcessArchitecture.ToString();
    }

    /// <summary>The libtorch backend package this build runs on, from the app's deps.json (libtorch has no version API in TorchSharp).</summary>
    static string LibtorchPackage()
    {
        string deps = Path.Combine(AppContext.BaseDirectory, Assembly.GetEntryAssembly()!.GetName().Name + ".deps.json");
        if (!File.Exists(deps)) return "?";
        using var doc = JsonDocument.Parse(File.ReadAllText(deps));
        return doc.RootElement.GetProperty("libraries").EnumerateObject()
            .Select(p => p.Name)
            .FirstOrDefault(n => n.StartsWith("libtorch-", StringComparison.Ordinal) || n.StartsWith("TorchSharp-cuda", StringComparison.Ordinal)) ?? "?";
    }
}
