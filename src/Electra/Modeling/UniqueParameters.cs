using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace Electra.Modeling;

/// <summary>
/// Parameters without repeats. A module shared by two models (the embeddings) appears twice in
/// <c>named_parameters()</c>, and a tied weight (the LM head) appears as a second Parameter object over the
/// same storage; an optimizer given both would step that tensor twice.
/// </summary>
internal static class UniqueParameters
{
    /// <summary>The first name of each distinct parameter tensor, in registration order.</summary>
    public static IReadOnlyList<(string Name, Parameter Parameter)> UniqueNamedParameters(this nn.Module module)
    {
        var seen = new HashSet<(IntPtr, long)>();
        var result = new List<(string, Parameter)>();
        foreach (var (name, p) in module.named_parameters())
            if (seen.Add((StoragePointer(p), p.storage_offset()))) result.Add((name, p));
        return result;
    }

    /// <summary>Number of distinct parameter elements.</summary>
    public static long CountUniqueParameters(this nn.Module module) => module.UniqueNamedParameters().Sum(p => p.Parameter.numel());

    static IntPtr StoragePointer(Tensor t) => t.dtype switch
    {
        ScalarType.Float32 => t.storage<float>().data_ptr(),
        ScalarType.BFloat16 => t.storage<BFloat16>().data_ptr(),
        ScalarType.Float16 => t.storage<Half>().data_ptr(),
        ScalarType.Float64 => t.storage<double>().data_ptr(),
        _ => throw new NotSupportedException($"parameter dtype {t.dtype}"),
    };
}
