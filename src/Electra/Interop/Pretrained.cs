using Electra.IO;
using Electra.Modeling;
using static TorchSharp.torch;

namespace Electra.Interop;

/// <summary>
/// HF folders: <c>config.json</c> + <c>model.safetensors</c> (+ tokenizer files). Generator and discriminator are
/// separate folders, as HF publishes them (electra-small-generator / electra-small-discriminator); a folder
/// written here loads in Python <c>transformers</c> with <c>from_pretrained</c> unchanged.
/// </summary>
public static class Pretrained
{
    const string LmHead = "generator_lm_head.weight";
    const string WordTable = "electra.embeddings.word_embeddings.weight";

    /// <summary>
    /// Loads a discriminator (<c>ElectraForPreTraining</c>) folder in any layout <see cref="StateDictLoader"/> reads.
    /// Keys the model does not have (a fine-tuning head left in the folder) are skipped and listed in one warning sent
    /// to <paramref name="warn"/> (standard error when null), as HF does.
    /// </summary>
    public static ElectraForPreTraining LoadDiscriminator(string dir, Action<string>? warn = null) =>
        Load(dir, "ElectraForPreTraining", config => new ElectraForPreTraining(config), warn);

    /// <summary>
    /// Loads a generator (<c>ElectraForMaskedLM</c>) folder (see <see cref="LoadDiscriminator"/>). With a tied head
    /// (<c>tie_word_embeddings</c> true, the default) the word table is the head: a file holding only the head's copy
    /// of it loads that copy into both; untied, the file's distinct <c>generator_lm_head.weight</c> is loaded.
    /// </summary>
    public static ElectraForMaskedLM LoadGenerator(string dir, Action<string>? warn = null) =>
        Load(dir, "ElectraForMaskedLM", config => new ElectraForMaskedLM(config), warn);

    static T Load<T>(string dir, string architecture, Func<ElectraConfig, T> create, Action<string>? warn) where T : nn.Module
    {
        var model = create(ReadConfig(dir, architecture));
        try
        {
            LoadWeights(model, dir, warn);
            return model;
        }
        catch
        {
            model.Dispose();
            throw;
        }
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

    /// <summary>
    /// Loads the weights of <paramref name="dir"/> into <paramref name="model"/>, all or nothing: missing keys and shape
    /// mismatches are one error naming the file; unexpected keys are skipped and listed in one warning to
    /// <paramref name="warn"/> (standard error when null). Returns the unexpected keys.
    /// </summary>
    public static IReadOnlyList<string> LoadWeights(nn.Module model, string dir, Action<string>? warn = null)
    {
        var (tensors, path) = StateDictLoader.ReadFolder(dir);
        try
        {
            if (model is ElectraForMaskedLM generator && generator.Config.TiesWordEmbeddings) TieHead(tensors);
            var unexpected = StateDictLoader.Load(model, tensors, path, strict: false);
            if (unexpected.Count > 0)
                (warn ?? Console.Error.WriteLine)($"warning: some weights of {path} were not used when initializing {model.GetName()} " +
                                                  $"(another head's, as HF would also skip them): {string.Join(", ", unexpected)}");
            return unexpected;
        }
        finally
        {
            foreach (var t in tensors.Values.Distinct(ReferenceEqualityComparer.Instance)) ((Tensor)t!).Dispose(); // a tied head and its table may be one tensor
        }
    }

    /// <summary>Loads the weights of <paramref name="dir"/> into the new <paramref name="model"/> and returns it; disposes it if loading fails.</summary>
    public static T LoadNew<T>(T model, string dir) where T : nn.Module
    {
        try
        {
            LoadWeights(model, dir);
            return model;
        }
        catch
        {
            model.Dispose();
            throw;
        }
    }

    /// <summary>
    /// A tied head reads the word table, as HF ties it after loading; a file holding only the head's copy of the table
    /// (no <c>word_embeddings</c> key) supplies the table from it.
    /// </summary>
    static void TieHead(Dictionary<string, Tensor> tensors)
    {
        string table = tensors.Keys.Any(k => k.StartsWith(StateDictLoader.BasePrefix, StringComparison.Ordinal)) ? WordTable : WordTable[StateDictLoader.BasePrefix.Length..];
        if (tensors.TryGetValue(table, out var t))
        {
            if (tensors.Remove(LmHead, out var copy)) copy.Dispose();
            tensors[LmHead] = t;
        }
        else if (tensors.TryGetValue(LmHead, out var head)) tensors[table] = head;
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
            AtomicFile.WriteAllText(Path.Combine(temp, "config.json"), (config with { Architectures = new[] { architecture } }).ToJson());
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
        Save(model, model.Config, ElectraForPreTraining.Architecture, dir, tokenizerDir);

    /// <summary>Saves a generator folder.</summary>
    public static void SavePretrained(this ElectraForMaskedLM model, string dir, string? tokenizerDir = null) =>
        Save(model, model.Config, ElectraForMaskedLM.Architecture, dir, tokenizerDir);
}
