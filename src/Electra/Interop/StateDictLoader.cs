using System.Collections;
using TorchSharp;
using TorchSharp.PyBridge;
using static TorchSharp.torch;

namespace Electra.Interop;

/// <summary>
/// Reads an HF weight file (<c>model.safetensors</c> or <c>pytorch_model.bin</c>) into a module, all or nothing:
/// every missing key, unexpected key and shape mismatch is collected and reported in one error before any
/// parameter is touched.
/// </summary>
public static class StateDictLoader
{
    /// <summary>Keys HF models may carry that are buffers, not weights (absent in newer checkpoints).</summary>
    static readonly string[] IgnoredSuffixes = { "embeddings.position_ids", "embeddings.token_type_ids" };

    /// <summary>Reads the weight file of an HF folder: <c>model.safetensors</c> if present, else <c>pytorch_model.bin</c>.</summary>
    public static (Dictionary<string, Tensor> Tensors, string Path) ReadFolder(string dir)
    {
        string st = Path.Combine(dir, "model.safetensors");
        string bin = Path.Combine(dir, "pytorch_model.bin");
        if (File.Exists(st)) return (SafeTensors.Load(st), st);
        if (File.Exists(bin)) return (ReadPyTorch(bin), bin);
        throw new FileNotFoundException($"{dir}: no model.safetensors or pytorch_model.bin");
    }

    /// <summary>Reads a <c>torch.save</c>d state_dict (zip or legacy pickle) through TorchSharp.PyBridge.</summary>
    public static Dictionary<string, Tensor> ReadPyTorch(string path)
    {
        Hashtable table;
        try
        {
            table = PyTorchUnpickler.UnpickleStateDict(path);
        }
        catch (Exception e) when (e is not IOException)
        {
            throw new InvalidDataException($"{path}: not a readable PyTorch state_dict ({e.GetType().Name}: {e.Message})", e);
        }
        var result = new Dictionary<string, Tensor>(StringComparer.Ordinal);
        foreach (DictionaryEntry entry in table)
        {
            if (entry.Key is string key && entry.Value is Tensor t) result[key] = t;
            else throw new InvalidDataException($"{path}: entry '{entry.Key}' is not a tensor");
        }
        return result;
    }

    /// <summary>
    /// Copies <paramref name="tensors"/> into <paramref name="module"/>'s parameters. Keys in
    /// <paramref name="optional"/> may be absent (e.g. a tied LM-head weight that HF omits).
    /// </summary>
    public static void Load(nn.Module module, IReadOnlyDictionary<string, Tensor> tensors, string source, IReadOnlySet<string>? optional = null)
    {
        var expected = module.state_dict();
        var problems = new List<string>();
        foreach (var (name, target) in expected)
        {
            if (!tensors.TryGetValue(name, out var t))
            {
                if (optional is null || !optional.Contains(name)) problems.Add($"missing key {name} {Shape(target)}");
            }
            else if (!t.shape.SequenceEqual(target.shape))
                problems.Add($"{name}: file has shape {Shape(t)}, model expects {Shape(target)}");
        }
        foreach (string name in tensors.Keys.Where(k => !expected.ContainsKey(k) && !IgnoredSuffixes.Any(k.EndsWith)).Order(StringComparer.Ordinal))
            problems.Add($"unexpected key {name} {Shape(tensors[name])}");
        if (problems.Count > 0)
            throw new InvalidDataException($"{source} does not fit {module.GetName()} ({problems.Count} problem{(problems.Count > 1 ? "s" : "")}):\n  " + string.Join("\n  ", problems));

        using var noGrad = no_grad();
        foreach (var (name, target) in expected)
            if (tensors.TryGetValue(name, out var t)) target.copy_(t);
    }

    static string Shape(Tensor t) => "[" + string.Join(", ", t.shape) + "]";
}
