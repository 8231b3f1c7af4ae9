using System.Text.Json;
using System.Text.Json.Nodes;
using Electra.FineTuning;
using Electra.Interop;
using Electra.Modeling;
using Electra.Tokenization;
using Microsoft.Extensions.AI;
using static TorchSharp.torch;

namespace Electra.Retrieval;

/// <summary>
/// An ELECTRA encoder that maps a text to one vector: <see cref="ElectraModel"/> (keys <c>electra.*</c>) and a
/// <see cref="Pooling"/> over its token states. ids/mask/types [B, T] → [B, H]. Loads any ELECTRA folder (a
/// pre-trained discriminator or generator, a fine-tuned classifier: its <c>electra.*</c> tensors; or an HF
/// <c>ElectraModel</c> folder with bare keys, as <see cref="Save"/> writes). <see cref="Save"/> also writes
/// sentence-transformers' pooling files (<c>modules.json</c>, <c>1_Pooling/config.json</c>), so the folder loads in
/// Python with <c>SentenceTransformer(dir)</c> and its pooling is the default when <see cref="Load"/> reads it back;
/// a <c>Normalize</c> module in <c>modules.json</c> (a bi-encoder, trained on cosine similarity) sets <see cref="Normalize"/>.
/// It is a Microsoft.Extensions.AI <see cref="IEmbeddingGenerator{TInput, TEmbedding}"/> that embeds with the folder's
/// pooling and normalisation.
/// </summary>
public sealed class SentenceEncoder : nn.Module<Tensor, Tensor, Tensor, Tensor>, IEmbeddingGenerator<string, Embedding<float>>
{
    const string Prefix = "electra.";
    const string PoolingConfig = "1_Pooling/config.json";
    const string ModulesFile = "modules.json";
    const string NormalizeModule = "sentence_transformers.models.Normalize";

    /// <summary>Word pieces per text when <see cref="GenerateAsync"/> embeds (the default of <see cref="Embed"/> and <c>electra embed</c>).</summary>
    public const int DefaultMaxLength = 128;

    readonly ElectraModel electra;

    /// <summary>A randomly initialised encoder (google's truncated normal; seed torch first for a reproducible draw).</summary>
    public SentenceEncoder(ElectraConfig config, WordPieceTokenizer tokenizer, Pooling pooling = Pooling.Mean, bool normalize = false) : base(nameof(SentenceEncoder))
    {
        electra = new ElectraModel(config);
        Tokenizer = tokenizer;
        Pooling = pooling;
        Normalize = normalize;
        RegisterComponents();
        Initialization.Apply(this, config);
    }

    /// <summary>The encoder.</summary>
    public ElectraModel Electra => electra;

    /// <summary>The architecture (HF <c>ElectraModel</c>).</summary>
    public ElectraConfig Config => electra.Config;

    /// <summary>The model folder's WordPiece tokenizer.</summary>
    public WordPieceTokenizer Tokenizer { get; }

    /// <summary>How token states become the text's vector.</summary>
    public Pooling Pooling { get; }

    /// <summary>Whether the vectors are meant at unit length (a bi-encoder trained on cosine): <see cref="GenerateAsync"/> normalises them then.</summary>
    public bool Normalize { get; }

    /// <summary>
    /// Loads the encoder of any ELECTRA folder (see the class summary); <paramref name="pooling"/> null takes the
    /// folder's pooling config, else <see cref="Pooling.Mean"/>; <paramref name="normalize"/> null takes the folder's
    /// <c>modules.json</c> (normalised when it lists a <c>Normalize</c> module).
    /// </summary>
    public static SentenceEncoder Load(string dir, Pooling? pooling = null, bool? normalize = null)
    {
        var (encoder, _) = FromPretrained(dir, pooling, normalize);
        return encoder;
    }

    /// <summary><see cref="Load"/>, also saying which tensors of the folder were taken and which ignored.</summary>
    public static (SentenceEncoder Encoder, TransferReport Report) FromPretrained(string dir, Pooling? pooling = null, bool? normalize = null)
    {
        var config = Pretrained.ReadConfig(dir);
        var tokenizer = ElectraClassifier.LoadTokenizer(dir, config);
        var encoder = new SentenceEncoder(config with { Architectures = null, Id2Label = null, Label2Id = null, ProblemType = null }, tokenizer,
            pooling ?? ReadPooling(dir) ?? Pooling.Mean, normalize ?? ReadNormalize(dir));
        try
        {
            var (tensors, path) = StateDictLoader.ReadFolder(dir);
            try
            {
                bool prefixed = tensors.Keys.Any(k => k.StartsWith(Prefix, StringComparison.Ordinal));
                bool Mine(string key) => !prefixed || key.StartsWith(Prefix, StringComparison.Ordinal);
                var own = tensors.Where(kv => Mine(kv.Key)).ToDictionary(kv => prefixed ? kv.Key[Prefix.Length..] : kv.Key, kv => kv.Value);
                StateDictLoader.Load(encoder.electra, own, path);
                var report = new TransferReport(path, encoder.electra.state_dict().Keys.Select(k => Prefix + k).ToList(),
                    tensors.Keys.Where(k => !Mine(k)).Order(StringComparer.Ordinal).ToList(), Array.Empty<string>());
                return (encoder, report);
            }
            finally
            {
                foreach (var t in tensors.Values) t.Dispose();
            }
        }
        catch
        {
            encoder.Dispose();
            throw;
        }
    }

    /// <summary>The pooling recorded in <c>DIR/1_Pooling/config.json</c> (sentence-transformers), or null without one.</summary>
    internal static Pooling? ReadPooling(string dir)
    {
        string path = Path.Combine(dir, PoolingConfig);
        if (!File.Exists(path)) return null;
        JsonNode? node;
        try
        {
            node = JsonNode.Parse(File.ReadAllText(path));
        }
        catch (JsonException e)
        {
            throw new InvalidDataException($"{path}: not valid JSON ({e.Message})", e);
        }
        bool Mode(string key) => node?[key] is JsonValue v && v.TryGetValue(out bool on) && on;
        return (Mode("pooling_mode_mean_tokens"), Mode("pooling_mode_cls_token")) switch
        {
            (true, false) => Pooling.Mean,
            (false, true) => Pooling.Cls,
            _ => throw new InvalidDataException($"{path}: exactly one of pooling_mode_mean_tokens and pooling_mode_cls_token must be true (other poolings are not supported)"),
        };
    }

    /// <summary>Whether <c>DIR/modules.json</c> (sentence-transformers) lists a <c>Normalize</c> module; false without the file.</summary>
    internal static bool ReadNormalize(string dir)
    {
        string path = Path.Combine(dir, ModulesFile);
        if (!File.Exists(path)) return false;
        try
        {
            return JsonNode.Parse(File.ReadAllText(path)) is JsonArray modules
                ? modules.Any(m => m?["type"] is JsonValue t && t.TryGetValue(out string? type) && type == NormalizeModule)
                : throw new InvalidDataException($"{path}: expected a JSON array of modules");
        }
        catch (JsonException e)
        {
            throw new InvalidDataException($"{path}: not valid JSON ({e.Message})", e);
        }
    }

    /// <summary>
    /// Writes an HF <c>ElectraModel</c> folder (<c>config.json</c>, <c>model.safetensors</c> with bare keys, the
    /// tokenizer files of <paramref name="tokenizerDir"/>) with sentence-transformers' <c>modules.json</c>,
    /// <c>sentence_bert_config.json</c> and <c>1_Pooling/config.json</c> (and a <c>Normalize</c> module when
    /// <see cref="Normalize"/>); atomic as a whole.
    /// </summary>
    public void Save(string dir, string tokenizerDir, int maxLength = 128) =>
        Pretrained.Save(electra, Config, nameof(ElectraModel), dir, tokenizerDir, temp =>
        {
            var modules = new JsonArray(
                new JsonObject { ["idx"] = 0, ["name"] = "0", ["path"] = "", ["type"] = "sentence_transformers.models.Transformer" },
                new JsonObject { ["idx"] = 1, ["name"] = "1", ["path"] = "1_Pooling", ["type"] = "sentence_transformers.models.Pooling" });
            if (Normalize) modules.Add(new JsonObject { ["idx"] = 2, ["name"] = "2", ["path"] = "2_Normalize", ["type"] = NormalizeModule });
            var options = new JsonSerializerOptions { WriteIndented = true };
            File.WriteAllText(Path.Combine(temp, "modules.json"), modules.ToJsonString(options));
            File.WriteAllText(Path.Combine(temp, "sentence_bert_config.json"),
                new JsonObject { ["max_seq_length"] = maxLength, ["do_lower_case"] = false }.ToJsonString(options));
            Directory.CreateDirectory(Path.Combine(temp, "1_Pooling"));
            if (Normalize) Directory.CreateDirectory(Path.Combine(temp, "2_Normalize"));
            File.WriteAllText(Path.Combine(temp, PoolingConfig), new JsonObject
            {
                ["word_embedding_dimension"] = Config.HiddenSize,
                ["pooling_mode_cls_token"] = Pooling == Pooling.Cls,
                ["pooling_mode_mean_tokens"] = Pooling == Pooling.Mean,
                ["pooling_mode_max_tokens"] = false,
                ["pooling_mode_mean_sqrt_len_tokens"] = false,
            }.ToJsonString(options));
        });

    /// <summary>ids/mask/types [B, T] → pooled text vectors [B, H] (not normalised).</summary>
    public override Tensor forward(Tensor input_ids, Tensor attention_mask, Tensor token_type_ids)
    {
        using var scope = NewDisposeScope();
        return Pool(electra.call(input_ids, attention_mask, token_type_ids), attention_mask, Pooling).MoveToOuterDisposeScope();
    }

    /// <summary>Hidden states [B, T, H] and attention mask [B, T] → [B, H] by <paramref name="pooling"/>.</summary>
    public static Tensor Pool(Tensor hidden, Tensor attentionMask, Pooling pooling)
    {
        if (pooling == Pooling.Cls) return hidden.select(1, 0); // [B, H]
        using var scope = NewDisposeScope();
        var mask = attentionMask.unsqueeze(-1).to(hidden.dtype); // [B, T, 1]
        return ((hidden * mask).sum(1) / mask.sum(1).clamp_min(1)).MoveToOuterDisposeScope(); // [B, H]
    }

    /// <summary>
    /// Tokenizes <paramref name="texts"/> as single texts truncated to <paramref name="maxLength"/> word pieces and
    /// pads them to the longest: ids/mask/types [B, T].
    /// </summary>
    internal (Tensor Ids, Tensor Mask, Tensor Types) Tokenize(IReadOnlyList<string> texts, int maxLength) =>
        Tensors(Tokenizer.EncodeBatch(texts, options: new EncodeOptions { MaxLength = maxLength }));

    static (Tensor Ids, Tensor Mask, Tensor Types) Tensors(BatchEncoding batch)
    {
        long[] shape = { batch.BatchSize, batch.SequenceLength };
        return (tensor(batch.InputIds, shape), tensor(batch.AttentionMask, shape), tensor(batch.TokenTypeIds, shape));
    }

    /// <summary>
    /// One vector per text, in eval mode without gradients, in batches of <paramref name="batchSize"/> texts sorted
    /// by length in word pieces (<see cref="LengthBatching"/>); <paramref name="normalize"/> scales each to unit L2 norm (dot product = cosine).
    /// Reports the number of texts done after each batch.
    /// </summary>
    public float[][] Embed(IReadOnlyList<string> texts, bool normalize = false, int batchSize = 64, int maxLength = DefaultMaxLength,
        IProgress<int>? progress = null, CancellationToken cancellationToken = default)
    {
        if (batchSize < 1) throw new ArgumentOutOfRangeException(nameof(batchSize), batchSize, "must be ≥ 1");
        if (maxLength < 3 || maxLength > Config.MaxPositionEmbeddings)
            throw new ArgumentOutOfRangeException(nameof(maxLength), maxLength, $"max length must be in [3, {Config.MaxPositionEmbeddings}] (the model's max_position_embeddings)");
        eval();
        var encodeOptions = new EncodeOptions { MaxLength = maxLength };
        var encodings = texts.Select(t => Tokenizer.Encode(t, options: encodeOptions)).ToArray();
        var result = new float[texts.Count][];
        int done = 0;
        using var noGrad = no_grad();
        foreach (var batch in LengthBatching.Batches(encodings.Select(e => e.Length).ToArray(), batchSize))
        {
            cancellationToken.ThrowIfCancellationRequested();
            using var scope = NewDisposeScope();
            var (ids, mask, types) = Tensors(BatchEncoding.Pad(batch.Select(i => encodings[i].Ids).ToList(), batch.Select(i => encodings[i].TypeIds).ToList(), Tokenizer.PadId));
            var vectors = call(ids, mask, types); // [B, H]
            if (normalize) vectors = nn.functional.normalize(vectors, dim: 1);
            var host = vectors.data<float>().ToArray(); // sync: the vectors are the output
            int h = (int)vectors.shape[1];
            for (int r = 0; r < batch.Length; r++) result[batch[r]] = host.AsSpan(r * h, h).ToArray();
            progress?.Report(done += batch.Length);
        }
        return result;
    }

    /// <summary>
    /// Microsoft.Extensions.AI: one embedding per text, with the folder's <see cref="Pooling"/> and <see cref="Normalize"/>
    /// at <see cref="DefaultMaxLength"/> word pieces (what <c>electra embed</c> writes for the folder, with
    /// <c>--normalize</c> when the folder is normalised). Runs synchronously on the calling thread.
    /// </summary>
    /// <exception cref="ArgumentException"><see cref="EmbeddingGenerationOptions.Dimensions"/> asks for another size than the hidden size.</exception>
    public Task<GeneratedEmbeddings<Embedding<float>>> GenerateAsync(IEnumerable<string> values, EmbeddingGenerationOptions? options = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(values);
        if (options?.Dimensions is int d && d != Config.HiddenSize)
            throw new ArgumentException($"this encoder gives {Config.HiddenSize} dimensions, not {d}", nameof(options));
        var vectors = Embed(values.ToList(), Normalize, maxLength: Math.Min(DefaultMaxLength, Config.MaxPositionEmbeddings), cancellationToken: cancellationToken);
        return Task.FromResult(new GeneratedEmbeddings<Embedding<float>>(vectors.Select(v => new Embedding<float>(v))));
    }

    /// <summary>The <see cref="EmbeddingGeneratorMetadata"/> (provider "Electra", dimensions = hidden size) or this encoder.</summary>
    public object? GetService(Type serviceType, object? serviceKey = null)
    {
        ArgumentNullException.ThrowIfNull(serviceType);
        if (serviceKey is not null) return null;
        if (serviceType == typeof(EmbeddingGeneratorMetadata)) return new EmbeddingGeneratorMetadata("Electra", defaultModelDimensions: Config.HiddenSize);
        return serviceType.IsInstanceOfType(this) ? this : null;
    }
}
