using System.Text.Json;
using System.Text.Json.Serialization;
using Electra.IO;

namespace Electra.Modeling;

/// <summary>
/// The architecture of one ELECTRA encoder (generator or discriminator), with HF's <c>config.json</c>
/// key names (<c>model_type: electra</c>). Unknown keys read from a file are kept and written back.
/// Defaults are ELECTRA-Small's discriminator (google-research/electra <c>configure_pretraining.py</c>).
/// </summary>
public sealed record ElectraConfig
{
    /// <summary>Size of the WordPiece vocabulary (BERT uncased: 30522).</summary>
    [JsonPropertyName("vocab_size")] public int VocabSize { get; init; } = 30522;

    /// <summary>Width of the token/position/type embeddings; projected to <see cref="HiddenSize"/> when different.</summary>
    [JsonPropertyName("embedding_size")] public int EmbeddingSize { get; init; } = 128;

    /// <summary>Width of the transformer layers.</summary>
    [JsonPropertyName("hidden_size")] public int HiddenSize { get; init; } = 256;

    /// <summary>Number of transformer layers.</summary>
    [JsonPropertyName("num_hidden_layers")] public int NumHiddenLayers { get; init; } = 12;

    /// <summary>Number of attention heads; must divide <see cref="HiddenSize"/>.</summary>
    [JsonPropertyName("num_attention_heads")] public int NumAttentionHeads { get; init; } = 4;

    /// <summary>Width of the feed-forward layer (4 × hidden in every ELECTRA preset).</summary>
    [JsonPropertyName("intermediate_size")] public int IntermediateSize { get; init; } = 1024;

    /// <summary>Feed-forward activation; ELECTRA uses the exact (erf) GELU.</summary>
    [JsonPropertyName("hidden_act")] public string HiddenAct { get; init; } = "gelu";

    /// <summary>Dropout after embeddings, attention output and feed-forward output (BERT: 0.1).</summary>
    [JsonPropertyName("hidden_dropout_prob")] public double HiddenDropoutProb { get; init; } = 0.1;

    /// <summary>Dropout on attention probabilities (BERT: 0.1).</summary>
    [JsonPropertyName("attention_probs_dropout_prob")] public double AttentionProbsDropoutProb { get; init; } = 0.1;

    /// <summary>Longest sequence the position table covers (BERT: 512).</summary>
    [JsonPropertyName("max_position_embeddings")] public int MaxPositionEmbeddings { get; init; } = 512;

    /// <summary>Number of segment types (A/B: 2).</summary>
    [JsonPropertyName("type_vocab_size")] public int TypeVocabSize { get; init; } = 2;

    /// <summary>Standard deviation of the weight initialisation (BERT: 0.02).</summary>
    [JsonPropertyName("initializer_range")] public double InitializerRange { get; init; } = 0.02;

    /// <summary>LayerNorm epsilon (BERT: 1e-12).</summary>
    [JsonPropertyName("layer_norm_eps")] public double LayerNormEps { get; init; } = 1e-12;

    /// <summary>Id of <c>[PAD]</c>; its embedding row starts at zero and gets no gradient (HF behaviour).</summary>
    [JsonPropertyName("pad_token_id")] public int PadTokenId { get; init; }

    /// <summary>Always <c>electra</c>.</summary>
    [JsonPropertyName("model_type")] public string ModelType { get; init; } = "electra";

    /// <summary>HF class names, e.g. <c>ElectraForPreTraining</c>; set when saving.</summary>
    [JsonPropertyName("architectures")] public IReadOnlyList<string>? Architectures { get; init; }

    /// <summary>Dropout before a fine-tuning head's output layer; null means <see cref="HiddenDropoutProb"/> (HF).</summary>
    [JsonPropertyName("classifier_dropout")] public double? ClassifierDropout { get; init; }

    /// <summary>Class names of a fine-tuned head by id as a string (<c>{"0": "NOUN", ...}</c>, HF); null before fine-tuning.</summary>
    [JsonPropertyName("id2label")] public IReadOnlyDictionary<string, string>? Id2Label { get; init; }

    /// <summary>The inverse of <see cref="Id2Label"/> (HF writes both).</summary>
    [JsonPropertyName("label2id")] public IReadOnlyDictionary<string, int>? Label2Id { get; init; }

    /// <summary>HF's <c>problem_type</c> of a sequence-classification head: <c>"regression"</c> for one numeric output (MSE loss); null otherwise.</summary>
    [JsonPropertyName("problem_type")] public string? ProblemType { get; init; }

    /// <summary>
    /// Whether the generator's LM head is the word table itself (HF's <c>tie_word_embeddings</c>; null means true, HF's
    /// default). False gives <c>generator_lm_head</c> its own weight, loaded from the file's distinct copy.
    /// </summary>
    [JsonPropertyName("tie_word_embeddings")] public bool? TieWordEmbeddings { get; init; }

    /// <summary>Whether the LM head is tied to the word table (<see cref="TieWordEmbeddings"/>, default true).</summary>
    [JsonIgnore] public bool TiesWordEmbeddings => TieWordEmbeddings != false;

    /// <summary>Keys this library does not interpret, kept so a round trip loses nothing.</summary>
    [JsonExtensionData] public Dictionary<string, JsonElement>? Extra { get; init; }

    /// <summary>Size of one attention head.</summary>
    [JsonIgnore] public int HeadSize => HiddenSize / NumAttentionHeads;

    /// <summary>Throws <see cref="ArgumentException"/> naming every invalid field.</summary>
    public ElectraConfig Validate()
    {
        var errors = new List<string>();
        void Positive(int v, string name) { if (v <= 0) errors.Add($"{name} must be positive (got {v})"); }
        Positive(VocabSize, "vocab_size");
        Positive(EmbeddingSize, "embedding_size");
        Positive(HiddenSize, "hidden_size");
        Positive(NumHiddenLayers, "num_hidden_layers");
        Positive(NumAttentionHeads, "num_attention_heads");
        Positive(IntermediateSize, "intermediate_size");
        Positive(MaxPositionEmbeddings, "max_position_embeddings");
        Positive(TypeVocabSize, "type_vocab_size");
        if (NumAttentionHeads > 0 && HiddenSize % NumAttentionHeads != 0)
            errors.Add($"hidden_size {HiddenSize} is not a multiple of num_attention_heads {NumAttentionHeads}");
        if (HiddenAct is not "gelu")
            errors.Add($"hidden_act '{HiddenAct}' is not supported (ELECTRA uses 'gelu')");
        if (HiddenDropoutProb is < 0 or >= 1) errors.Add($"hidden_dropout_prob must be in [0, 1) (got {HiddenDropoutProb})");
        if (AttentionProbsDropoutProb is < 0 or >= 1) errors.Add($"attention_probs_dropout_prob must be in [0, 1) (got {AttentionProbsDropoutProb})");
        if (!(LayerNormEps > 0)) errors.Add($"layer_norm_eps must be positive (got {LayerNormEps})");
        if (!(InitializerRange > 0)) errors.Add($"initializer_range must be positive (got {InitializerRange})");
        if (PadTokenId < 0 || PadTokenId >= VocabSize) errors.Add($"pad_token_id {PadTokenId} is outside the vocabulary [0, {VocabSize})");
        if (ModelType != "electra") errors.Add($"model_type '{ModelType}' is not 'electra'");
        if (errors.Count > 0) throw new ArgumentException("invalid ELECTRA config: " + string.Join("; ", errors));
        return this;
    }

    /// <summary>
    /// The generator google-research/electra pairs with this discriminator (<c>get_generator_config</c>):
    /// hidden = round(H·fraction), FFN = 4·hidden, heads = max(1, hidden / 64), same depth and embeddings.
    /// </summary>
    public ElectraConfig Generator(double hiddenFraction)
    {
        if (!(hiddenFraction > 0 && hiddenFraction <= 1)) throw new ArgumentException($"generator hidden fraction must be in (0, 1] (got {hiddenFraction})");
        int hidden = (int)Math.Round(HiddenSize * hiddenFraction, MidpointRounding.ToEven);
        return this with
        {
            HiddenSize = hidden,
            IntermediateSize = 4 * hidden,
            NumAttentionHeads = Math.Max(1, hidden / 64),
            Architectures = null,
        };
    }

    static readonly JsonSerializerOptions Json = new()
    {
        WriteIndented = true,
        DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull,
        NumberHandling = JsonNumberHandling.AllowReadingFromString,
    };

    /// <summary>Reads and validates an HF <c>config.json</c>.</summary>
    public static ElectraConfig Load(string path)
    {
        ElectraConfig? config;
        try
        {
            config = JsonSerializer.Deserialize<ElectraConfig>(Utf8LineReader.ReadAllText(path), Json);
        }
        catch (JsonException e)
        {
            throw new InvalidDataException($"{path}: not a valid config.json ({Utf8LineReader.Quote(e.Message, 300)})", e);
        }
        if (config is null) throw new InvalidDataException($"{path}: empty config.json");
        try
        {
            config.Validate();
        }
        catch (ArgumentException e)
        {
            throw new InvalidDataException($"{path}: {e.Message}", e);
        }
        long available = AvailableMemoryBytes();
        if (config.WeightBytes > available)
            throw new InvalidDataException(string.Create(System.Globalization.CultureInfo.InvariantCulture,
                $"{path}: this model needs about {config.WeightBytes / 1e9:0.#} GB for its float32 weights alone (vocab_size {config.VocabSize}, hidden_size {config.HiddenSize}, intermediate_size {config.IntermediateSize}, num_hidden_layers {config.NumHiddenLayers}), more than the {available / 1e9:F1} GB of memory available; refusing to build it (is the config right?)"));
        return config;
    }

    /// <summary>
    /// Bytes of the encoder's float32 weights: embeddings (word, position, type), the projection when
    /// <see cref="EmbeddingSize"/> differs from <see cref="HiddenSize"/>, and every layer's attention, feed-forward and
    /// LayerNorms. A head adds little; activations and optimizer state come on top, so this is a lower bound of what a
    /// model needs, used to refuse a config that cannot fit before anything is allocated.
    /// </summary>
    internal double WeightBytes
    {
        get
        {
            double e = EmbeddingSize, h = HiddenSize, i = IntermediateSize;
            double embeddings = ((double)VocabSize + MaxPositionEmbeddings + TypeVocabSize) * e + 2 * e + (e != h ? e * h + h : 0);
            double layer = 4 * (h * h + h) + (h * i + i) + (i * h + h) + 2 * 2 * h; // Q, K, V, output; feed-forward in and out; two LayerNorms
            return 4 * (embeddings + NumHiddenLayers * layer);
        }
    }

    /// <summary>Memory the kernel could give this process now: <c>MemAvailable</c> of <c>/proc/meminfo</c>, else what the GC sees as the machine's (or container's) limit.</summary>
    static long AvailableMemoryBytes()
    {
        try
        {
            foreach (string line in File.ReadLines("/proc/meminfo"))
                if (line.StartsWith("MemAvailable:", StringComparison.Ordinal)
                    && long.TryParse(line["MemAvailable:".Length..].Trim().Split(' ')[0], System.Globalization.CultureInfo.InvariantCulture, out long kb))
                    return kb * 1024;
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            // not Linux: the GC's figure below
        }
        return GC.GetGCMemoryInfo().TotalAvailableMemoryBytes;
    }

    /// <summary>The config as HF's <c>config.json</c> text.</summary>
    public string ToJson() => JsonSerializer.Serialize(this, Json);

    /// <summary>Parses config text (used by tests and the CLI).</summary>
    public static ElectraConfig FromJson(string json) =>
        (JsonSerializer.Deserialize<ElectraConfig>(json, Json) ?? throw new InvalidDataException("empty config")).Validate();
}
