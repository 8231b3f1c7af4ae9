using System.Text.Json;
using static TorchSharp.torch;

namespace Electra.Interop;

/// <summary>
/// Reads the weights of an HF folder in every layout HF's <c>from_pretrained</c> reads (<c>model.safetensors</c>,
/// sharded safetensors with <c>model.safetensors.index.json</c>, <c>pytorch_model.bin</c> in torch's zip or legacy
/// format, sharded <c>.bin</c> with <c>pytorch_model.bin.index.json</c>, in that order of preference, as HF) and copies
/// them into a module, all or nothing. Keys are normalised as HF does on load: <c>LayerNorm.gamma</c>/<c>.beta</c>
/// become <c>.weight</c>/<c>.bias</c>, the buffers <c>embeddings.position_ids</c>/<c>token_type_ids</c> are dropped,
/// and a checkpoint of the bare encoder fits a model with an <c>electra.</c> prefix (and the reverse).
/// </summary>
internal static class StateDictLoader
{
    /// <summary>The weight files of an HF folder, in HF's order of preference.</summary>
    public static readonly IReadOnlyList<string> WeightFiles = new[]
    {
        "model.safetensors", "model.safetensors.index.json", "pytorch_model.bin", "pytorch_model.bin.index.json",
    };

    /// <summary>HF's <c>base_model_prefix</c> for ELECTRA.</summary>
    public const string BasePrefix = "electra.";

    /// <summary>Buffers older HF versions saved with the weights.</summary>
    static readonly string[] IgnoredSuffixes = { "embeddings.position_ids", "embeddings.token_type_ids" };

    /// <summary>
    /// Reads the weights of the HF folder <paramref name="dir"/> (see the class remarks) with HF's key renames applied
    /// and buffers dropped; returns them with the path of the file (or index) read. The caller disposes the tensors.
    /// </summary>
    public static (Dictionary<string, Tensor> Tensors, string Path) ReadFolder(string dir)
    {
        string? path = WeightFiles.Select(f => Path.Combine(dir, f)).FirstOrDefault(File.Exists)
            ?? throw new FileNotFoundException($"{dir}: no model.safetensors or pytorch_model.bin (nor a sharded index of either)");
        var raw = path.EndsWith(".index.json", StringComparison.Ordinal) ? ReadSharded(path) : ReadFile(path);
        var tensors = new Dictionary<string, Tensor>(StringComparer.Ordinal);
        foreach (var (key, t) in raw)
        {
            if (IgnoredSuffixes.Any(key.EndsWith))
            {
                t.Dispose();
                continue;
            }
            string name = Rename(key);
            if (!tensors.TryAdd(name, t))
            {
                foreach (var x in raw.Values) x.Dispose();
                throw new InvalidDataException($"{path}: holds both {name} and an old-style name for it");
            }
        }
        return (tensors, path);
    }

    /// <summary>HF's renames on load: <c>LayerNorm.gamma</c> → <c>LayerNorm.weight</c>, <c>LayerNorm.beta</c> → <c>LayerNorm.bias</c>.</summary>
    public static string Rename(string key) =>
        key.EndsWith("LayerNorm.gamma", StringComparison.Ordinal) ? key[..^"gamma".Length] + "weight"
        : key.EndsWith("LayerNorm.beta", StringComparison.Ordinal) ? key[..^"beta".Length] + "bias"
        : key;

    /// <summary>Reads one weight file: safetensors by its extension, else a <c>torch.save</c>d state_dict (<see cref="PyTorchFile"/>).</summary>
    public static Dictionary<string, Tensor> ReadFile(string path) =>
        path.EndsWith(".safetensors", StringComparison.Ordinal) ? SafeTensors.Load(path) : PyTorchFile.Load(path);

    /// <summary>Reads every shard an HF index (<c>{"weight_map": {key: file}}</c>) names; each key must be where the index says.</summary>
    static Dictionary<string, Tensor> ReadSharded(string indexPath)
    {
        Dictionary<string, string> map;
        try
        {
            using var doc = JsonDocument.Parse(File.ReadAllText(indexPath));
            map = doc.RootElement.GetProperty("weight_map").EnumerateObject().ToDictionary(p => p.Name, p => p.Value.GetString() ?? "");
        }
        catch (Exception e) when (e is JsonException or KeyNotFoundException or InvalidOperationException)
        {
            throw new InvalidDataException($"{indexPath}: not a valid shard index ({e.Message})", e);
        }
        string dir = Path.GetDirectoryName(Path.GetFullPath(indexPath))!;
        var result = new Dictionary<string, Tensor>(StringComparer.Ordinal);
        try
        {
            foreach (string shard in map.Values.Distinct().Order(StringComparer.Ordinal))
            {
                if (shard.Length == 0 || shard != Path.GetFileName(shard))
                    throw new InvalidDataException($"{indexPath}: shard '{shard}' is not a file name in the folder");
                string shardPath = Path.Combine(dir, shard);
                if (!File.Exists(shardPath)) throw new FileNotFoundException($"{indexPath}: names shard {shard}, which is missing");
                foreach (var (key, t) in ReadFile(shardPath))
                    if (!result.TryAdd(key, t))
                    {
                        t.Dispose();
                        throw new InvalidDataException($"{indexPath}: {key} is in more than one shard");
                    }
                var absent = map.Where(kv => kv.Value == shard && !result.ContainsKey(kv.Key)).Select(kv => kv.Key).ToList();
                if (absent.Count > 0) throw new InvalidDataException($"{shardPath}: lacks {string.Join(", ", absent)}, which {indexPath} places there");
            }
            return result;
        }
        catch
        {
            foreach (var t in result.Values) t.Dispose();
            throw;
        }
    }

    /// <summary>
    /// Copies <paramref name="tensors"/> into <paramref name="module"/>'s parameters, all or nothing: every missing key
    /// (outside <paramref name="optional"/>) and every shape mismatch is listed in one error naming
    /// <paramref name="source"/> before any parameter is touched. Keys the module does not have are an error too when
    /// <paramref name="strict"/>; otherwise they are left alone and returned (HF warns about them and loads the rest).
    /// Values are converted to the parameter's dtype (fp16/bf16 files load into fp32 models).
    /// </summary>
    /// <returns>The unexpected keys (empty when strict).</returns>
    public static IReadOnlyList<string> Load(nn.Module module, IReadOnlyDictionary<string, Tensor> tensors, string source,
        IReadOnlySet<string>? optional = null, bool strict = true)
    {
        var expected = module.state_dict();
        var fileKey = AlignPrefix(expected.Keys, tensors.Keys);
        var problems = new List<string>();
        var used = new HashSet<string>(StringComparer.Ordinal);
        foreach (var (name, target) in expected)
        {
            string key = fileKey(name);
            if (!tensors.TryGetValue(key, out var t))
            {
                if (optional is null || !optional.Contains(name)) problems.Add($"missing key {key} {Shape(target)}");
            }
            else
            {
                used.Add(key);
                if (!t.shape.SequenceEqual(target.shape)) problems.Add($"{key}: file has shape {Shape(t)}, model expects {Shape(target)}");
            }
        }
        var unexpected = tensors.Keys.Where(k => !used.Contains(k)).Order(StringComparer.Ordinal).ToList();
        if (strict || problems.Count > 0)
            problems.AddRange(unexpected.Select(k => $"unexpected key {k} {Shape(tensors[k])}"));
        if (problems.Count > 0)
            throw new InvalidDataException($"{source} does not fit {module.GetName()} ({problems.Count} problem{(problems.Count > 1 ? "s" : "")}):\n  " + string.Join("\n  ", problems));

        using var noGrad = no_grad();
        foreach (var (name, target) in expected)
        {
            if (tensors.TryGetValue(fileKey(name), out var t)) target.copy_(t);
        }
        return unexpected;
    }

    /// <summary>
    /// HF's prefix rule, as a map from a model key to the file key it reads: a file of the bare encoder (no
    /// <c>electra.</c> keys) fits a model with them, the prefix stripped; a file with them fits a bare encoder.
    /// </summary>
    static Func<string, string> AlignPrefix(IEnumerable<string> model, IEnumerable<string> file)
    {
        bool modelHas = model.Any(k => k.StartsWith(BasePrefix, StringComparison.Ordinal));
        bool fileHas = file.Any(k => k.StartsWith(BasePrefix, StringComparison.Ordinal));
        if (modelHas && !fileHas) return k => k.StartsWith(BasePrefix, StringComparison.Ordinal) ? k[BasePrefix.Length..] : k;
        if (!modelHas && fileHas) return k => BasePrefix + k;
        return k => k;
    }

    static string Shape(Tensor t) => "[" + string.Join(", ", t.shape) + "]";
}
