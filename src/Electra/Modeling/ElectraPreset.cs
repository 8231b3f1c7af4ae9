namespace Electra.Modeling;

/// <summary>
/// A named generator/discriminator pair with the pre-training hyper-parameters the paper uses for it
/// (Clark et al. 2020, Table 6; google-research/electra <c>configure_pretraining.py</c>).
/// </summary>
/// <param name="Name">tiny, small, base or large.</param>
/// <param name="Discriminator">The discriminator's architecture (the model that is kept).</param>
/// <param name="GeneratorFraction">Generator hidden size as a fraction of the discriminator's.</param>
/// <param name="LearningRate">Peak learning rate.</param>
/// <param name="BatchSize">Sequences per optimizer step.</param>
/// <param name="MaskProbability">Fraction of tokens the generator predicts.</param>
public sealed record ElectraPreset(string Name, ElectraConfig Discriminator, double GeneratorFraction, double LearningRate, int BatchSize, double MaskProbability)
{
    /// <summary>The generator google-research/electra builds for this preset.</summary>
    public ElectraConfig Generator => Discriminator.Generator(GeneratorFraction);

    /// <summary>For tests and the quick start: 2 layers of width 128; trains in minutes on a CPU.</summary>
    public static ElectraPreset Tiny { get; } = new("tiny",
        new ElectraConfig { EmbeddingSize = 128, HiddenSize = 128, NumHiddenLayers = 2, NumAttentionHeads = 2, IntermediateSize = 512, MaxPositionEmbeddings = 128 },
        GeneratorFraction: 0.25, LearningRate: 5e-4, BatchSize: 32, MaskProbability: 0.15);

    /// <summary>ELECTRA-Small: 14M-parameter discriminator, generator 1/4 width at full depth.</summary>
    public static ElectraPreset Small { get; } = new("small",
        new ElectraConfig { EmbeddingSize = 128, HiddenSize = 256, NumHiddenLayers = 12, NumAttentionHeads = 4, IntermediateSize = 1024 },
        GeneratorFraction: 0.25, LearningRate: 5e-4, BatchSize: 128, MaskProbability: 0.15);

    /// <summary>ELECTRA-Base: BERT-Base shape, generator 1/3 width.</summary>
    public static ElectraPreset Base { get; } = new("base",
        new ElectraConfig { EmbeddingSize = 768, HiddenSize = 768, NumHiddenLayers = 12, NumAttentionHeads = 12, IntermediateSize = 3072 },
        GeneratorFraction: 1.0 / 3, LearningRate: 2e-4, BatchSize: 256, MaskProbability: 0.15);

    /// <summary>ELECTRA-Large: BERT-Large shape, generator 1/4 width, 25% masking.</summary>
    public static ElectraPreset Large { get; } = new("large",
        new ElectraConfig { EmbeddingSize = 1024, HiddenSize = 1024, NumHiddenLayers = 24, NumAttentionHeads = 16, IntermediateSize = 4096 },
        GeneratorFraction: 0.25, LearningRate: 2e-4, BatchSize: 2048, MaskProbability: 0.25);

    /// <summary>All presets, smallest first.</summary>
    public static IReadOnlyList<ElectraPreset> All { get; } = new[] { Tiny, Small, Base, Large };

    /// <summary>Looks a preset up by name (case-insensitive); the error lists the valid names.</summary>
    public static ElectraPreset FromName(string name) =>
        All.FirstOrDefault(p => string.Equals(p.Name, name, StringComparison.OrdinalIgnoreCase))
        ?? throw new ArgumentException($"unknown preset '{name}' (expected one of: {string.Join(", ", All.Select(p => p.Name))})");

    /// <summary>The same preset for another vocabulary (the tokenizer decides the vocabulary size).</summary>
    public ElectraPreset WithVocabulary(int vocabSize, int padTokenId) =>
        this with { Discriminator = Discriminator with { VocabSize = vocabSize, PadTokenId = padTokenId } };
}
