using System.Text.Json;
using System.Text.Json.Nodes;
using Electra.FineTuning;
using Electra.Interop;
using Electra.Modeling;
using Electra.Tokenization;
using TorchSharp;
using static TorchSharp.torch;

namespace Electra.Retrieval;

/// <summary>
/// An ELECTRA encoder that maps a text to one vector: <see cref="ElectraModel"/> (keys <c>electra.*</c>) and a
/// <see cref="Pooling"/> over its token states. ids/mask/types [B, T] → [B, H]. Loads any ELECTRA folder (a
/// pre-trained discriminator or generator, a fine-tuned classifier: its <c>electra.*</c> tensors; or an HF
/// <c>ElectraModel</c> folder with bare keys, as <see cref="Save"/> writes). <see cref="Save"/> also writes
/// sentence-transformers' pooling files (<c>modules.json</c>, <c>1_Pooling/config.json</c>), so the folder loads in
/// Python with <c>SentenceTransformer(dir)</c> and its pooling is the default when <see cref="Load"/> reads it back.
/// </summary>
public sealed class SentenceEncoder : nn.Module<Tensor, Tensor, Tensor, Tensor>
{
    const string Prefix = "electra.";
    const string PoolingConfig = "1_Pooling/config.json";

    readonly ElectraModel electra;

    /// <summary>A randomly initialised encoder (google's truncated normal; seed torch first for a reproducible draw).</summary>
    public SentenceEncoder(ElectraConfig config, WordPieceTokenizer tokenizer, Pooling pooling = Pooling.Mean) : base(nameof(SentenceEncoder))
    {
        electra = new ElectraModel(config);
        Tokenizer = tokenizer;
        Pooling = pooling;
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

    /// <summary>Loads the encoder of any ELECTRA folder (see the class summary); <paramref name="pooling"/> null takes the folder's pooling config, else <see cref="Pooling.Mean"/>.</summary>
    public static SentenceEncoder Load(string dir, Pooling? pooling = null)
    {
        var (encoder, _) = FromPretrained(dir, pooling);
        return encoder;
    }

    /// <summary><see cref="Load"/>, also saying which tensors of the folder were taken and which ignored.</summary>
    public static (SentenceEncoder Encoder, TransferReport Report) FromPretrained(string dir, Pooling? pooling = null)
    {
        var config = Pretrained.ReadConfig(dir);
        var tokenizer = ElectraClassifier.LoadTokenizer(dir, config);
        var encoder = new SentenceEncoder(config with { Architectures = null, Id2Label = null, Label2Id = null, ProblemType = null }, tokenizer, pooling ?? ReadPooling(dir) ?? Pooling.Mean);
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
    public static Pooling? ReadPooling(string dir)
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

    /// <summary>
    /// Writes an HF <c>ElectraModel</c> folder (<c>config.json</c>, <c>model.safetensors</c> with bare keys, the
    /// tokenizer files of <paramref name="tokenizerDir"/>) with sentence-transformers' <c>modules.json</c>,
    /// <c>sentence_bert_config.json</c> and <c>1_Pooling/config.json</c>; atomic as a whole.
    /// </summary>
    public void Save(string dir, string tokenizerDir, int maxLength = 128) =>
        Pretrained.Save(electra, Config, nameof(ElectraModel), dir, tokenizerDir, temp =>
        {
            var modules = new JsonArray(
                new JsonObject { ["idx"] = 0, ["name"] = "0", ["path"] = "", ["type"] = "sentence_transformers.models.Transformer" },
                new JsonObject { ["idx"] = 1, ["name"] = "1", ["path"] = "1_Pooling", ["type"] = "sentence_transformers.models.Pooling" });
            var options = new JsonSerializerOptions { WriteIndented = true };
            File.WriteAllText(Path.Combine(temp, "modules.json"), modules.ToJsonString(options));
            File.WriteAllText(Path.Combine(temp, "sentence_bert_config.json"),
                new JsonObject { ["max_seq_length"] = maxLength, ["do_lower_case"] = false }.ToJsonString(options));
            Directory.CreateDirectory(Path.Combine(temp, "1_Pooling"));
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
    public (Tensor Ids, Tensor Mask, Tensor Types) Tokenize(IReadOnlyList<string> texts, int maxLength)
    {
        var batch = Tokenizer.EncodeBatch(texts, options: new EncodeOptions { MaxLength = maxLength });
        long[] shape = { batch.BatchSize, batch.SequenceLength };
        return (tensor(batch.InputIds, shape), tensor(batch.AttentionMask, shape), tensor(batch.TokenTypeIds, shape));
    }

    /// <summary>
    /// One vector per text, in eval mode without gradients, in batches of <paramref name="batchSize"/> texts sorted
    /// by length (little padding); <paramref name="normalize"/> scales each to unit L2 norm (dot product = cosine).
    /// Reports the number of texts done after each batch.
    /// </summary>
    public float[][] Embed(IReadOnlyList<string> texts, bool normalize = false, int batchSize = 64, int maxLength = 128,
        IProgress<int>? progress = null, CancellationToken cancellationToken = default)
    {
        if (batchSize < 1) throw new ArgumentOutOfRangeException(nameof(batchSize), batchSize, "must be ≥ 1");
        if (maxLength < 3 || maxLength > Config.MaxPositionEmbeddings)
            throw new ArgumentOutOfRangeException(nameof(maxLength), maxLength, $"max length must be in [3, {Config.MaxPositionEmbeddings}] (the model's max_position_embeddings)");
        eval();
        var lengths = texts.Select(t => t.Length).ToArray();
        var order = Enumerable.Range(0, texts.Count).OrderBy(i => lengths[i]).ToArray();
        var result = new float[texts.Count][];
        using var noGrad = no_grad();
        for (int start = 0; start < order.Length; start += batchSize)
        {
            cancellationToken.ThrowIfCancellationRequested();
            using var scope = NewDisposeScope();
            var batch = order.Skip(start).Take(batchSize).ToArray();
            var (ids, mask, types) = Tokenize(batch.Select(i => texts[i]).ToList(), maxLength);
            var vectors = call(ids, mask, types); // [B, H]
            if (normalize) vectors = nn.functional.normalize(vectors, dim: 1);
            var host = vectors.data<float>().ToArray(); // sync: the vectors are the output
            int h = (int)vectors.shape[1];
            for (int r = 0; r < batch.Length; r++) result[batch[r]] = host.AsSpan(r * h, h).ToArray();
            progress?.Report(Math.Min(start + batchSize, order.Length));
        }
        return result;
    }
}
