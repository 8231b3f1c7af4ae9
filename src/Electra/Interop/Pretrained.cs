using Electra.Modeling;
using TorchSharp;
using static TorchSharp.torch;

namespace Electra.Interop;

/// <summary>
/// HF folders: <c>config.json</c> + <c>model.safetensors</c> (+ tokenizer files). Generator and discriminator are
/// separate folders, as HF publishes them (electra-small-generator / electra-small-discriminator); a folder
/// written here loads in Python <c>transformers</c> with <c>from_pretrained</c> unchanged.
/// </summary>
public static class Pretrained
{
    /// <summary>HF omits tied weights on save; the LM head's weight is the word table.</summary>
    static readonly HashSet<string> TiedKeys = new() { "generator_lm_head.weight" };

    /// <summary>Loads a discriminator (<c>ElectraForPreTraining</c>) folder.</summary>
    public static ElectraForPreTraining LoadDiscriminator(string dir)
    {
        var config = ReadConfig(dir, "ElectraForPreTraining");
        var model = new ElectraForPreTraining(config);
        LoadWeights(model, dir);
        return model;
    }

    /// <summary>Loads a generator (<c>ElectraForMaskedLM</c>) folder.</summary>
    public static ElectraForMaskedLM LoadGenerator(string dir)
    {
        var config = ReadConfig(dir, "ElectraForMaskedLM");
        var model = new ElectraForMaskedLM(config);
        LoadWeights(model, dir);
        return model;
    }

    /// <summary>Reads <c>DIR/config.json</c>; a folder written for another head is named as such.</summary>
    public static ElectraConfig ReadConfig(string dir, string? architecture = null)
    {
        if (!Directory.Exists(dir)) throw new DirectoryNotFoundException($"{dir}: no such model folder");
        string path = Path.Combine(dir, "config.json");
        if (!File.Exists(path)) throw new FileNotFoundException($"{dir}: no config.json (expected an HF model folder)");
        var config = ElectraConfig.Load(path);
        if (architecture is not null && config.Architectures is { Count: > 0 } arch && !arch.Contains(architecture))
            throw new InvalidDataException($"{path}: this folder holds {string.Join("/", arch)}, not {architecture}");
        return config;
    }

    /// <summary>Loads the weight file of <paramref name="dir"/> into <paramref name="model"/> (all or nothing).</summary>
    public static void LoadWeights(nn.Module model, string dir, IReadOnlySet<string>? optional = null)
    {
        var (tensors, path) = StateDictLoader.ReadFolder(dir);
        try
        {
            var allowed = new HashSet<string>(TiedKeys);
            if (optional is not null) allowed.UnionWith(optional);
            StateDictLoader.Load(model, tensors, path, allowed);
        }
        finally
        {
            foreach (var t in tensors.Values) t.Dispose();
        }
    }

    /// <summary>
    /// Writes <paramref name="model"/> as an HF folder: <c>config.json</c> (with <paramref name="architecture"/>),
    /// <c>model.safetensors</c>, and the tokenizer files found in <paramref name="tokenizerDir"/>
    /// (<c>vocab.txt</c>, <c>tokenizer_config.json</c>, <c>special_tokens_map.json</c>); <paramref name="addFiles"/>
    /// may write more into the folder being built. Atomic as a whole.
    /// </summary>
    public static void Save(nn.Module model, ElectraConfig config, string architecture, string dir, string? tokenizerDir = null, Action<string>? addFiles = null)
    {
        var state = model.state_dict();
        AtomicFile.WriteDirectory(dir, temp =>
        {
            (config with { Architectures = new[] { architecture } }).Save(Path.Combine(temp, "config.json"));
            SafeTensors.Save(Path.Combine(temp, "model.safetensors"), state);
            if (tokenizerDir is not null)
            {
                foreach (string name in new[] { "vocab.txt", "tokenizer_config.json", "special_tokens_map.json" })
                {
                    string source = Path.Combine(tokenizerDir, name);
                    if (File.Exists(source)) File.Copy(source, Path.Combine(temp, name));
                }
                if (!File.Exists(Path.Combine(temp, "vocab.txt")))
                    throw new FileNotFoundException($"{tokenizerDir}: no vocab.txt to save with the model");
            }
            addFiles?.Invoke(temp);
        });
    }

    /// <summary>Saves a discriminator folder.</summary>
    public static void SavePretrained(this ElectraForPreTraining model, string dir, string? tokenizerDir = null) =>
        Save(model, model.Config, "ElectraForPreTraining", dir, tokenizerDir);

    /// <summary>Saves a generator folder.</summary>
    public static void SavePretrained(this ElectraForMaskedLM model, string dir, string? tokenizerDir = null) =>
        Save(model, model.Config, "ElectraForMaskedLM", dir, tokenizerDir);
}
