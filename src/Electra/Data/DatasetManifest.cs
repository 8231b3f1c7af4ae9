using System.Text.Json;
using System.Text.Json.Serialization;

namespace Electra.Data;

/// <summary>The two splits of a pre-training dataset.</summary>
internal enum DatasetSplit
{
    /// <summary>The documents the model trains on.</summary>
    Train,

    /// <summary>The held-out documents (<see cref="DatasetBuildOptions.ValidationFraction"/>).</summary>
    Validation,
}

/// <summary>What the dataset's token ids mean: the vocabulary size, the special ids and a fingerprint of the tokenizer.</summary>
/// <param name="VocabSize">Number of ids; shards store uint16 when it is at most 65536, int32 otherwise.</param>
/// <param name="ClsId">Id of [CLS].</param>
/// <param name="SepId">Id of [SEP].</param>
/// <param name="PadId">Id of [PAD] (the loader pads with it).</param>
/// <param name="Fingerprint">Any string that changes when the vocabulary changes (e.g. a SHA-256 of vocab.txt), checked by <see cref="PretrainingDataset.EnsureVocabulary"/>.</param>
public sealed record DatasetVocabulary(int VocabSize, int ClsId, int SepId, int PadId, string Fingerprint)
{
    /// <summary>Id of [MASK], recorded for the trainer's dynamic masking (null when the caller's vocabulary has none).</summary>
    public int? MaskId { get; init; }

    /// <summary>Throws <see cref="ArgumentException"/> when a special id is outside the vocabulary.</summary>
    public void Validate()
    {
        if (VocabSize < 1) throw new ArgumentException($"vocab_size must be positive, got {VocabSize}");
        foreach (var (name, id) in new[] { ("[CLS]", ClsId), ("[SEP]", SepId), ("[PAD]", PadId), ("[MASK]", MaskId ?? 0) })
            if (id < 0 || id >= VocabSize) throw new ArgumentException($"{name} id {id} is outside the vocabulary [0, {VocabSize})");
    }
}

/// <summary>One shard: a token file and its index.</summary>
/// <param name="TokensFile">File name (in the dataset folder) of the concatenated token ids, little-endian <see cref="DatasetManifest.Dtype"/>.</param>
/// <param name="IndexFile">File name of the index: per sequence an int64 offset (in tokens, within the shard) and an int32 length, little-endian, packed (12 bytes).</param>
/// <param name="Sequences">Number of sequences in the shard.</param>
/// <param name="Tokens">Number of tokens in the shard.</param>
public sealed record ShardInfo(string TokensFile, string IndexFile, long Sequences, long Tokens);

/// <summary>Counts and shards of one split.</summary>
/// <param name="Documents">Corpus documents that went into the split.</param>
/// <param name="Sequences">Packed sequences.</param>
/// <param name="Tokens">Tokens, special tokens included.</param>
/// <param name="Shards">The split's shards in order.</param>
public sealed record SplitInfo(long Documents, long Sequences, long Tokens, IReadOnlyList<ShardInfo> Shards);

/// <summary>A corpus file the dataset was built from, with its size at build time.</summary>
/// <param name="Path">Full path.</param>
/// <param name="Bytes">Size in bytes.</param>
public sealed record CorpusFileInfo(string Path, long Bytes);

/// <summary>
/// <c>dataset.json</c>: everything needed to read a dataset folder and to tell whether it matches a tokenizer and
/// a set of build options. Written last, atomically, so a folder with a manifest always holds a complete dataset.
/// </summary>
public sealed record DatasetManifest
{
    /// <summary>The manifest's file name inside a dataset folder.</summary>
    public const string FileName = "dataset.json";

    /// <summary>The format tag this version writes and reads.</summary>
    internal const string CurrentFormat = "electra-pretraining-shards/1";

    /// <summary>Format tag, <see cref="CurrentFormat"/>.</summary>
    public string Format { get; init; } = CurrentFormat;

    /// <summary>Vocabulary size.</summary>
    public int VocabSize { get; init; }

    /// <summary>Element type of the token files: <c>uint16</c> or <c>int32</c>.</summary>
    public string Dtype { get; init; } = "uint16";

    /// <summary>Longest sequence, [CLS]/[SEP] included.</summary>
    [JsonPropertyName("max_seq_length")]
    public int MaxSeqLength { get; init; }

    /// <summary>Id of [CLS].</summary>
    public int ClsId { get; init; }

    /// <summary>Id of [SEP].</summary>
    public int SepId { get; init; }

    /// <summary>Id of [PAD].</summary>
    public int PadId { get; init; }

    /// <summary>Id of [MASK], which the trainer masks with (null in datasets built before it was recorded: rebuild them to pre-train).</summary>
    public int? MaskId { get; init; }

    /// <summary>The caller's vocabulary fingerprint.</summary>
    public string VocabFingerprint { get; init; } = "";

    /// <summary>Seed of packing and of the validation split.</summary>
    public int Seed { get; init; }

    /// <summary>Requested fraction of documents held out.</summary>
    public double ValidationFraction { get; init; }

    /// <summary>Packing's short-sequence probability.</summary>
    public double ShortSequenceProbability { get; init; }

    /// <summary>Packing's single-segment probability.</summary>
    public double SingleSegmentProbability { get; init; }

    /// <summary>The corpus files, in reading order.</summary>
    public IReadOnlyList<CorpusFileInfo> Corpus { get; init; } = [];

    /// <summary>The train split.</summary>
    public SplitInfo Train { get; init; } = new(0, 0, 0, []);

    /// <summary>The validation split.</summary>
    public SplitInfo Validation { get; init; } = new(0, 0, 0, []);

    /// <summary>Bytes per stored token id (2 or 4).</summary>
    [JsonIgnore]
    public int TokenBytes => Dtype == "uint16" ? 2 : 4;

    /// <summary>The split's counts and shards.</summary>
    internal SplitInfo Get(DatasetSplit split) => split == DatasetSplit.Train ? Train : Validation;

    /// <summary>The dtype for a vocabulary size: <c>uint16</c> up to 65536 ids, else <c>int32</c>.</summary>
    internal static string DtypeFor(int vocabSize) => vocabSize <= 65536 ? "uint16" : "int32";

    /// <summary>Whether <paramref name="other"/> was built from the same corpus files, vocabulary and options (shards aside).</summary>
    internal bool SameBuildAs(DatasetManifest other) =>
        this with { Train = other.Train, Validation = other.Validation, Corpus = other.Corpus } == other
        && Corpus.SequenceEqual(other.Corpus);

    internal static readonly JsonSerializerOptions Json = new()
    {
        PropertyNamingPolicy = JsonNamingPolicy.SnakeCaseLower,
        WriteIndented = true,
    };

    /// <summary>Reads <c>dataset.json</c> from <paramref name="folder"/>, with errors naming the file.</summary>
    public static DatasetManifest Read(string folder)
    {
        string path = Path.Combine(folder, FileName);
        if (!File.Exists(path))
            throw new FileNotFoundException($"{path} not found: {folder} is not a pre-training dataset folder (build one first)", path);
        DatasetManifest? manifest;
        try
        {
            manifest = JsonSerializer.Deserialize<DatasetManifest>(File.ReadAllText(path), Json);
        }
        catch (JsonException e)
        {
            throw new InvalidDataException($"{path}: not a valid dataset manifest ({e.Message})");
        }
        if (manifest is null || manifest.Format != CurrentFormat)
            throw new InvalidDataException($"{path}: format '{manifest?.Format}' is not '{CurrentFormat}'");
        if (manifest.Dtype != DtypeFor(manifest.VocabSize))
            throw new InvalidDataException($"{path}: dtype '{manifest.Dtype}' does not fit vocab_size {manifest.VocabSize}");
        return manifest;
    }

    /// <summary>Writes the manifest to <paramref name="folder"/> through a temporary file and a rename.</summary>
    public void Write(string folder)
    {
        string path = Path.Combine(folder, FileName);
        File.WriteAllText(path + ".tmp", JsonSerializer.Serialize(this, Json) + "\n");
        File.Move(path + ".tmp", path, overwrite: true);
    }
}
