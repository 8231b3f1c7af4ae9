using Microsoft.ML.OnnxRuntime;

namespace Electra.Onnx;

/// <summary>The ONNX Runtime this application loads: its version and the execution providers its build has.</summary>
public static class OnnxRuntimeInfo
{
    /// <summary>Loads ONNX Runtime's native library and asks it (what <c>electra doctor</c> prints).</summary>
    /// <exception cref="DllNotFoundException">The native library is missing for this platform.</exception>
    public static (string Version, IReadOnlyList<string> Providers) Probe()
    {
        var env = OrtEnv.Instance();
        return (env.GetVersionString(), env.GetAvailableProviders());
    }
}
