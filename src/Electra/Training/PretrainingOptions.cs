using Electra.Modeling;
using Electra.Pretraining;

namespace Electra.Training;

/// <summary>
/// Everything a pre-training run is configured by. Defaults follow google-research/electra where a default
/// makes sense for any run length; the preset supplies the learning rate and mask probability.
/// </summary>
public sealed record PretrainingOptions
{
    /// <summary>Model size: tiny, small, base or large (<see cref="ElectraPreset"/>).</summary>
    public string Preset { get; init; } = "small";

    /// <summary>
    /// A folder holding <c>discriminator/</c> and <c>generator/</c> HF folders (what pre-training writes, or the two
    /// hub folders side by side, in any layout <see cref="Interop.StateDictLoader"/> reads) to continue pre-training
    /// from: the architectures come from their <c>config.json</c> (<see cref="Preset"/> then supplies only the training
    /// defaults), the weights from their files, the tokenizer from the folder (see <see cref="InitTokenizerDir"/>); the
    /// optimizer starts fresh. Null trains from a random initialisation. ELECTRA objective, shared or separate embeddings.
    /// </summary>
    public string? InitFrom { get; init; }

    /// <summary>ELECTRA (the paper) or the MLM-only baseline.</summary>
    public ObjectiveKind Objective { get; init; } = ObjectiveKind.Electra;

    /// <summary>Generator/discriminator embedding sharing (paper: shared).</summary>
    public EmbeddingSharing Sharing { get; init; } = EmbeddingSharing.Shared;

    /// <summary>Optimizer steps.</summary>
    public long Steps { get; init; } = 1_000_000;

    /// <summary>Sequences per optimizer step, over all ranks and accumulation steps; null = the preset's.</summary>
    public int? BatchSize { get; init; }

    /// <summary>Micro-batches per optimizer step (gradient accumulation).</summary>
    public int GradientAccumulation { get; init; } = 1;

    /// <summary>Peak learning rate; null = the preset's (Small 5e-4, Base/Large 2e-4).</summary>
    public double? LearningRate { get; init; }

    /// <summary>Warmup steps; null = 10,000 (paper), capped at 10% of <see cref="Steps"/> for short runs.</summary>
    public long? WarmupSteps { get; init; }

    /// <summary>Optimizer (google's AdamW without bias correction by default).</summary>
    public OptimizerOptions Optimizer { get; init; } = new();

    /// <summary>λ, the discriminator loss weight (paper: 50).</summary>
    public double DiscriminatorWeight { get; init; } = 50;

    /// <summary>Generator hidden size as a fraction of the discriminator's; null = the preset's.</summary>
    public double? GeneratorFraction { get; init; }

    /// <summary>
    /// Dropout probability for both the hidden and the attention dropout of generator and discriminator; null = the
    /// preset's (0.1, BERT's). 0 makes a step a deterministic function of the weights and the batch, which is how
    /// data-parallel runs are checked against single-process ones (dropout masks are drawn per rank).
    /// </summary>
    public double? Dropout { get; init; }

    /// <summary>Fraction of tokens masked; null = the preset's (0.15; 0.25 for Large).</summary>
    public double? MaskProbability { get; init; }

    /// <summary>Write a checkpoint every this many steps (and at the end).</summary>
    public int SaveEvery { get; init; } = 1000;

    /// <summary>Keep the newest this many checkpoints.</summary>
    public int KeepCheckpoints { get; init; } = 3;

    /// <summary>Log (and sync) every this many steps.</summary>
    public int LogEvery { get; init; } = 10;

    /// <summary>Evaluate on the held-out split every this many steps (and at the end); 0 = only at the end.</summary>
    public int EvalEvery { get; init; } = 1000;

    /// <summary>Validation batches per evaluation (at most).</summary>
    public int EvalBatches { get; init; } = 50;

    /// <summary>cpu, cuda, cuda:N, or auto (cuda when available).</summary>
    public string Device { get; init; } = "auto";

    /// <summary>bf16 matmuls with fp32 master weights; null = on for CUDA, off for CPU.</summary>
    public bool? Bf16 { get; init; }

    /// <summary>Seed of initialisation, masking, sampling, dropout and data order.</summary>
    public int Seed { get; init; } = 42;

    /// <summary>Stop with an error after this many consecutive steps with a non-finite gradient (each is skipped).</summary>
    public int MaxNonFiniteSteps { get; init; } = 20;

    /// <summary>The preset named by <see cref="Preset"/>.</summary>
    public ElectraPreset ResolvePreset() => ElectraPreset.FromName(Preset);

    /// <summary>The batch size in effect.</summary>
    public int EffectiveBatchSize => BatchSize ?? ResolvePreset().BatchSize;

    /// <summary>The learning rate in effect.</summary>
    public double EffectiveLearningRate => LearningRate ?? ResolvePreset().LearningRate;

    /// <summary>The warmup in effect.</summary>
    public long EffectiveWarmup => WarmupSteps ?? Math.Min(10_000, Steps / 10);

    /// <summary>Throws <see cref="ArgumentException"/> naming the first bad option.</summary>
    public PretrainingOptions Validate(int worldSize = 1)
    {
        ResolvePreset();
        if (Steps < 1) throw new ArgumentException($"steps must be at least 1 (got {Steps})");
        if (EffectiveBatchSize < 1) throw new ArgumentException($"batch size must be at least 1 (got {EffectiveBatchSize})");
        if (GradientAccumulation < 1) throw new ArgumentException($"gradient accumulation must be at least 1 (got {GradientAccumulation})");
        if (EffectiveBatchSize % (GradientAccumulation * worldSize) != 0)
            throw new ArgumentException($"batch size {EffectiveBatchSize} is not divisible by accumulation {GradientAccumulation} × ranks {worldSize}");
        if (!(EffectiveLearningRate >= 0)) throw new ArgumentException($"learning rate must be ≥ 0 (got {EffectiveLearningRate})");
        if (SaveEvery < 1 || LogEvery < 1 || KeepCheckpoints < 1 || EvalEvery < 0 || EvalBatches < 1)
            throw new ArgumentException("save-every, log-every, keep-checkpoints and eval-batches must be at least 1, eval-every at least 0");
        if (Dropout is < 0 or >= 1) throw new ArgumentException($"dropout must be in [0, 1) (got {Dropout})");
        if (!(DiscriminatorWeight >= 0)) throw new ArgumentException($"discriminator weight must be ≥ 0 (got {DiscriminatorWeight})");
        if (GeneratorFraction is { } f && !(f > 0 && f <= 1)) throw new ArgumentException($"generator fraction must be in (0, 1] (got {f})");
        if (MaskProbability is { } m && !(m > 0 && m < 1)) throw new ArgumentException($"mask probability must be in (0, 1) (got {m})");
        Optimizer.Validate();
        if (InitFrom is not null) ValidateInitFrom(InitFrom);
        return this;
    }

    void ValidateInitFrom(string dir)
    {
        if (Objective != ObjectiveKind.Electra) throw new ArgumentException("--init-from continues an ELECTRA pair: use it with the electra objective");
        if (Sharing == EmbeddingSharing.Gdes) throw new ArgumentException("--init-from supports --sharing shared or none (a GDES split of loaded tables is not defined)");
        foreach (string part in new[] { "discriminator", "generator" })
            if (!File.Exists(Path.Combine(dir, part, "config.json")))
                throw new ArgumentException($"--init-from {dir}: no {part}/config.json (expected the folder holding discriminator/ and generator/ HF folders)");
    }

    /// <summary>
    /// The tokenizer of an <see cref="InitFrom"/> folder: its own <c>vocab.txt</c> (with <c>tokenizer_config.json</c>)
    /// if it has one, else the discriminator folder's.
    /// </summary>
    public static string InitTokenizerDir(string initFrom) =>
        File.Exists(Path.Combine(initFrom, "vocab.txt")) ? initFrom : Path.Combine(initFrom, "discriminator");

    /// <summary>Builds the objective this run trains, for a vocabulary of <paramref name="vocabSize"/>.</summary>
    public PretrainingObjective CreateObjective(int vocabSize, SpecialTokens special)
    {
        if (InitFrom is not null) return CreateFromPretrained(InitFrom, vocabSize, special);
        var preset = ResolvePreset().WithVocabulary(vocabSize, special.Pad);
        if (GeneratorFraction is { } f) preset = preset with { GeneratorFraction = f };
        if (Dropout is { } p) // the generator's config derives from the discriminator's
            preset = preset with { Discriminator = preset.Discriminator with { HiddenDropoutProb = p, AttentionProbsDropoutProb = p } };
        var masking = new MaskingOptions { MaskProbability = MaskProbability ?? preset.MaskProbability };
        return Objective switch
        {
            ObjectiveKind.Mlm => new MaskedLanguageModel(preset.Discriminator, special,
                MaskingOptions.Bert with { MaskProbability = masking.MaskProbability }),
            _ => new ReplacedTokenDetection(preset.Discriminator, preset.Generator, special,
                new ReplacedTokenDetectionOptions { DiscriminatorWeight = DiscriminatorWeight, Sharing = Sharing, Masking = masking }),
        };
    }

    /// <summary>
    /// The pair of <see cref="InitFrom"/> with the shapes of its <c>config.json</c> files (weights not yet loaded:
    /// <see cref="ReplacedTokenDetection.LoadPretrained"/>); <see cref="Dropout"/> overrides both configs' dropout.
    /// </summary>
    PretrainingObjective CreateFromPretrained(string dir, int vocabSize, SpecialTokens special)
    {
        ElectraConfig Read(string part, string architecture)
        {
            var config = Interop.Pretrained.ReadConfig(Path.Combine(dir, part), architecture);
            if (config.VocabSize != vocabSize)
                throw new InvalidDataException($"{Path.Combine(dir, part, "config.json")}: vocab_size {config.VocabSize} does not match the tokenizer's {vocabSize} tokens");
            return Dropout is { } p ? config with { HiddenDropoutProb = p, AttentionProbsDropoutProb = p } : config;
        }
        var masking = new MaskingOptions { MaskProbability = MaskProbability ?? ResolvePreset().MaskProbability };
        return new ReplacedTokenDetection(Read("discriminator", "ElectraForPreTraining"), Read("generator", "ElectraForMaskedLM"), special,
            new ReplacedTokenDetectionOptions { DiscriminatorWeight = DiscriminatorWeight, Sharing = Sharing, Masking = masking });
    }
}
