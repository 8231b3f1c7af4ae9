using System.Globalization;
using System.Security.Cryptography;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace Electra.Training;

/// <summary>
/// What identifies a pre-training run, built and checked here only: the keys of <see cref="RunFolder.RunFile"/> a
/// resume must match (preset, objective, embedding sharing, batch, accumulation, seed, the model it started from, and
/// what shaped the dataset: sequence length, corpus, vocabulary). Every checkpoint carries a copy, so the check holds
/// when <c>run.json</c> is lost; a damaged record is an error naming its file.
/// </summary>
internal static class RunIdentity
{
    /// <summary>The keys <paramref name="options"/> decide (the dataset's own keys come from <see cref="OfData"/>).</summary>
    public static Dictionary<string, string> Of(PretrainingOptions options)
    {
        var identity = new Dictionary<string, string>
        {
            ["preset"] = options.Preset.Name,
            ["objective"] = options.Objective.ToString(),
            ["sharing"] = options.Electra.Sharing.ToString(),
            ["batch_size"] = options.EffectiveBatchSize.ToString(CultureInfo.InvariantCulture),
            ["gradient_accumulation"] = options.GradientAccumulation.ToString(CultureInfo.InvariantCulture),
            ["seed"] = options.Seed.ToString(CultureInfo.InvariantCulture),
        };
        if (options.InitFrom is not null) identity["init_from"] = Path.GetFullPath(options.InitFrom);
        return identity;
    }

    /// <summary>What shapes the dataset: the sequence length, the corpus (names and sizes) and the vocabulary asked for.</summary>
    public static Dictionary<string, string> OfData(IReadOnlyList<string> corpusFiles, PretrainingOptions options, PipelineOptions pipeline)
    {
        var corpus = new System.Text.StringBuilder();
        long bytes = 0;
        foreach (string file in corpusFiles)
        {
            long length = new FileInfo(file).Length;
            bytes += length;
            corpus.Append(Path.GetFileName(file)).Append('\t').Append(length).Append('\n');
        }
        string digest = Convert.ToHexStringLower(SHA256.HashData(System.Text.Encoding.UTF8.GetBytes(corpus.ToString())))[..12];
        var identity = new Dictionary<string, string>
        {
            ["seq"] = pipeline.SequenceLength.ToString(CultureInfo.InvariantCulture),
            ["corpus"] = $"{corpusFiles.Count} file(s), {bytes} bytes, names and sizes {digest}",
            ["vocab_size"] = pipeline.TrainsTokenizer ? pipeline.EffectiveVocabSize(options.Preset).ToString(CultureInfo.InvariantCulture)
                : pipeline.Tokenizer is not null ? "from the tokenizer object" : "from --tokenizer",
        };
        if (options.ExtendsVocabulary) identity["extend_vocab"] = $"{options.ExtendVocab} pieces, never-split tokens {AddTokensDigest(options.AddTokens)}";
        return identity;
    }

    static string AddTokensDigest(string? path) =>
        path is null ? "none" : Convert.ToHexStringLower(SHA256.HashData(File.ReadAllBytes(path)))[..12];

    /// <summary>
    /// The identity <paramref name="outputDir"/> records: its <see cref="RunFolder.RunFile"/>, else the copy in its newest
    /// checkpoint (the run file deleted), else null (a new folder, or one from a version without the copy).
    /// </summary>
    /// <exception cref="InvalidDataException">The record is not a JSON object of strings (naming the file).</exception>
    public static (IReadOnlyDictionary<string, string> Identity, string Source)? Recorded(string outputDir)
    {
        string runFile = Path.Combine(outputDir, RunFolder.RunFile);
        if (File.Exists(runFile)) return (Read(runFile), runFile);
        foreach (string checkpoint in Checkpoint.List(Path.Combine(outputDir, RunFolder.Checkpoints)).Reverse())
        {
            string copy = Path.Combine(checkpoint, RunFolder.RunFile);
            if (File.Exists(copy)) return (Read(copy), copy);
        }
        return null;
    }

    /// <summary>
    /// Throws naming every key of <paramref name="identity"/> whose value differs from what <paramref name="outputDir"/>
    /// records (<see cref="Recorded"/>); nothing recorded passes.
    /// </summary>
    /// <exception cref="InvalidOperationException">A key differs.</exception>
    /// <exception cref="InvalidDataException">The record is damaged.</exception>
    public static void EnsureSame(string outputDir, IReadOnlyDictionary<string, string> identity)
    {
        if (Recorded(outputDir) is var (previous, source)) Compare(outputDir, identity, previous, source);
        // The run's resolved options (options.json) record the same keys, checked too.
        string optionsFile = Path.Combine(outputDir, RunFolder.OptionsFile);
        if (File.Exists(optionsFile)) Compare(outputDir, identity, Of(PretrainingOptions.Read(optionsFile)), optionsFile);
    }

    static void Compare(string outputDir, IReadOnlyDictionary<string, string> identity, IReadOnlyDictionary<string, string> previous, string source)
    {
        var changed = identity.Where(kv => previous.TryGetValue(kv.Key, out var before) && before != kv.Value)
            .Select(kv => $"{kv.Key}: {previous[kv.Key]} → {kv.Value}").ToList();
        if (changed.Count > 0)
            throw new InvalidOperationException($"cannot resume {outputDir} with different settings (recorded in {source}): {string.Join("; ", changed)}");
    }

    /// <summary><paramref name="identity"/> as a run file (or a checkpoint's copy) holds it.</summary>
    public static string ToJson(IReadOnlyDictionary<string, string> identity) => JsonSerializer.Serialize(identity, Indented);

    /// <summary>A run record's JSON; a damaged file is an error naming it.</summary>
    /// <exception cref="InvalidDataException">Not JSON.</exception>
    public static JsonNode? ParseFile(string path)
    {
        try
        {
            return JsonNode.Parse(File.ReadAllText(path));
        }
        catch (JsonException e)
        {
            throw new InvalidDataException($"{path} is damaged ({e.Message}); restore it from a copy, or delete it to resume from the checkpoints' copy", e);
        }
    }

    static Dictionary<string, string> Read(string path)
    {
        if (ParseFile(path) is not JsonObject json || json.Any(kv => kv.Value is not JsonValue v || v.GetValueKind() != JsonValueKind.String))
            throw new InvalidDataException($"{path} is damaged (expected a JSON object of strings); restore it from a copy, or delete it to resume from the checkpoints' copy");
        return json.ToDictionary(kv => kv.Key, kv => kv.Value!.GetValue<string>());
    }

    static readonly JsonSerializerOptions Indented = new() { WriteIndented = true };
}
