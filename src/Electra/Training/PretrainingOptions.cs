using System.Text.Json;
using System.Text.Json.Serialization;
using Electra.IO;
using Electra.Modeling;
using Electra.Optimization;
using Electra.Pretraining;

namespace Electra.Training;

/// <summary>
/// Everything a pre-training run is configured by, each knob once: the objective's own (λ, sampling temperature,
/// embedding sharing) in <see cref="Electra"/>, the optimizer's in <see cref="Optimizer"/>. Defaults follow
/// google-research/electra where a default makes sense for any run length; the preset supplies the model, batch size,
/// learning rate and mask probability. Read from and written to JSON (snake_case keys, google's hparams habit) with
/// <see cref="Load"/> and <see cref="ToJson"/>.
/// </summary>
public sealed record PretrainingOptions
{
    /// <summary>Model size: <see cref="ElectraPreset.Tiny"/>, Small (default), Base or Large; by name in JSON (any case).</summary>
    [JsonConverter(typeof(PresetNameConverter))]
    public ElectraPreset Preset { get; init; } = ElectraPreset.Small;

    /// <summary>
    /// A folder holding <c>discriminator/</c> and <c>generator/</c> HF folders (what pre-training writes, or the two
    /// hub folders side by side, in any layout <see cref="Interop.StateDictLoader"/> reads) to continue pre-training
    /// from: the architectures come from their <c>config.json</c> (<see cref="Preset"/> then supplies only the training
    /// defaults), the weights from their files, the tokenizer from the folder (see <see cref="InitTokenizerDir"/>); the
    /// optimizer starts fresh. Null trains from a random initialisation. ELECTRA objective, any embedding sharing (GDES
    /// starts its deltas at the difference of the two folders' tables).
    /// </summary>
    public string? InitFrom { get; init; }

    /// <summary>
    /// With <see cref="InitFrom"/>: extend the pair's vocabulary by up to this many WordPiece pieces learned on the
    /// corpus, most frequent first, before training (<see cref="Adaptation.PairVocabulary"/>; the extended, untrained
    /// pair is kept in <c>OUT/init</c>). Old ids keep their tokens and rows; 0 (default) keeps the vocabulary.
    /// </summary>
    public int ExtendVocab { get; init; }

    /// <summary>
    /// With <see cref="InitFrom"/>: a file of never-split tokens (one a line) appended to the vocabulary as
    /// <see cref="ExtendVocab"/> appends pieces (<see cref="Tokenization.VocabularyExtension.ReadAddedTokens"/>).
    /// </summary>
    public string? AddTokens { get; init; }

    /// <summary>Whether the run extends the vocabulary of its <see cref="InitFrom"/> pair.</summary>
    [JsonIgnore]
    public bool ExtendsVocabulary => ExtendVocab > 0 || AddTokens is not null;

    /// <summary>ELECTRA (the paper) or the MLM-only baseline.</summary>
    public ObjectiveKind Objective { get; init; } = ObjectiveKind.Electra;

    /// <summary>The ELECTRA objective's options: λ (50), the generator's sampling temperature (1) and embedding sharing (shared).</summary>
    public ReplacedTokenDetectionOptions Electra { get; init; } = new();

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

    /// <summary>How text becomes training sequences: sequence length (<c>seq</c>), vocabulary size, held-out fraction, tokenizer.</summary>
    public PipelineOptions Pipeline { get; init; } = new();

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

    /// <summary>
    /// Stop with an error when at least this many consecutive steps had a non-finite loss or gradient (each is
    /// skipped: weights and moments unchanged). Checked at every log interval, so the run stops at the first interval
    /// that ends such a streak; the last checkpoint (finite weights) is kept.
    /// </summary>
    public int MaxNonFiniteSteps { get; init; } = 20;

    /// <summary>The batch size in effect.</summary>
    [JsonIgnore]
    public int EffectiveBatchSize => BatchSize ?? Preset.BatchSize;

    /// <summary>The learning rate in effect.</summary>
    [JsonIgnore]
    public double EffectiveLearningRate => LearningRate ?? Preset.LearningRate;

    /// <summary>The warmup in effect.</summary>
    [JsonIgnore]
    public long EffectiveWarmup => WarmupSteps ?? Math.Min(10_000, Steps / 10);

    /// <summary>Throws <see cref="ArgumentException"/> naming the first bad option.</summary>
    public PretrainingOptions Validate(int worldSize = 1)
    {
        if (Steps < 1) throw new ArgumentException($"steps must be at least 1 (got {Steps})");
        if (EffectiveBatchSize < 1) throw new ArgumentException($"batch size must be at least 1 (got {EffectiveBatchSize})");
        if (GradientAccumulation < 1) throw new ArgumentException($"gradient accumulation must be at least 1 (got {GradientAccumulation})");
        if (EffectiveBatchSize % (GradientAccumulation * worldSize) != 0)
            throw new ArgumentException($"batch size {EffectiveBatchSize} is not divisible by accumulation {GradientAccumulation} × ranks {worldSize}");
        if (!(EffectiveLearningRate >= 0)) throw new ArgumentException($"learning rate must be ≥ 0 (got {EffectiveLearningRate})");
        if (SaveEvery < 1 || LogEvery < 1 || KeepCheckpoints < 1 || EvalEvery < 0 || EvalBatches < 1)
            throw new ArgumentException("save-every, log-every, keep-checkpoints and eval-batches must be at least 1, eval-every at least 0");
        if (Dropout is < 0 or >= 1) throw new ArgumentException($"dropout must be in [0, 1) (got {Dropout})");
        if (GeneratorFraction is { } f && !(f > 0 && f <= 1)) throw new ArgumentException($"generator fraction must be in (0, 1] (got {f})");
        if (MaskProbability is { } m && !(m > 0 && m < 1)) throw new ArgumentException($"mask probability must be in (0, 1) (got {m})");
        if (MaxNonFiniteSteps < 1) throw new ArgumentException($"max non-finite steps must be at least 1 (got {MaxNonFiniteSteps})");
        Electra.Validate();
        Optimizer.Validate();
        if (InitFrom is not null) ValidateInitFrom(InitFrom);
        if (ExtendVocab < 0) throw new ArgumentException($"extend-vocab must be at least 0 (got {ExtendVocab})");
        if (ExtendsVocabulary && InitFrom is null) throw new ArgumentException("--extend-vocab and --add-tokens extend the vocabulary of a pre-trained pair: give --init-from");
        if (AddTokens is not null)
        {
            if (!File.Exists(AddTokens)) throw new ArgumentException($"--add-tokens {AddTokens}: no such file");
            try
            {
                Tokenization.VocabularyExtension.ReadAddedTokens(AddTokens, null, _ => { }); // a malformed line fails here, before any work
            }
            catch (InvalidDataException e)
            {
                throw new ArgumentException($"--add-tokens {e.Message}", e);
            }
        }
        return this;
    }

    void ValidateInitFrom(string dir)
    {
        if (Objective != ObjectiveKind.Electra) throw new ArgumentException("--init-from continues an ELECTRA pair: use it with the electra objective");
        foreach (string part in RunFolder.Models.Take(2))
            if (!File.Exists(Path.Combine(dir, part, "config.json")))
                throw new ArgumentException($"--init-from {dir}: no {part}/config.json (expected the folder holding discriminator/ and generator/ HF folders)");
    }

    /// <summary>
    /// The tokenizer of an <see cref="InitFrom"/> folder: its own <c>vocab.txt</c> (with <c>tokenizer_config.json</c>)
    /// if it has one, else the discriminator folder's.
    /// </summary>
    public static string InitTokenizerDir(string initFrom) =>
        File.Exists(Path.Combine(initFrom, "vocab.txt")) ? initFrom : Path.Combine(initFrom, RunFolder.Discriminator);

    /// <summary>
    /// These options with every default decided: the preset's batch, learning rate, generator fraction, dropout and mask
    /// probability, the warmup, bias correction, the device (auto resolved by <paramref name="device"/>) and bf16, and the
    /// sequence length and vocabulary size the run's dataset has. What a run writes as <c>options.json</c>, loadable as
    /// <c>--config</c>.
    /// </summary>
    public PretrainingOptions Resolve(TrainingDevice device, int vocabSize, int sequenceLength) => this with
    {
        BatchSize = EffectiveBatchSize,
        LearningRate = EffectiveLearningRate,
        WarmupSteps = EffectiveWarmup,
        GeneratorFraction = GeneratorFraction ?? (InitFrom is null ? Preset.GeneratorFraction : null),
        Dropout = Dropout ?? (InitFrom is null ? Preset.Discriminator.HiddenDropoutProb : null),
        MaskProbability = MaskProbability ?? Preset.MaskProbability,
        Optimizer = Optimizer.ForWarmup(EffectiveWarmup),
        Device = Device == "auto" ? (device.IsCuda ? "cuda" : "cpu") : Device,
        Bf16 = device.Bf16,
        Pipeline = Pipeline with { SequenceLength = sequenceLength, VocabSize = vocabSize },
    };

    /// <summary>Where this run trains and at which precision (<see cref="TrainingDevice.Resolve"/> of <see cref="Device"/> and <see cref="Bf16"/>).</summary>
    /// <exception cref="ArgumentException">An unknown device, or CUDA asked for where it is not available.</exception>
    public TrainingDevice ResolveDevice(Distributed.Mpi? mpi = null) => TrainingDevice.Resolve(Device, Bf16, mpi);

    /// <summary>The optimizer of <paramref name="model"/>: weight decay on matrices only, bias correction decided by the warmup.</summary>
    public AdamWeightDecay CreateOptimizer(PretrainingObjective model) =>
        new(AdamWeightDecay.DefaultGroups(model, Optimizer.WeightDecay), Optimizer.ForWarmup(EffectiveWarmup));

    /// <summary>The learning rate of every step: warmup then linear decay to 0 at <see cref="Steps"/>.</summary>
    internal LearningRateSchedule CreateSchedule() => new(EffectiveLearningRate, EffectiveWarmup, Steps);

    /// <summary>These options as JSON (snake_case keys, the preset by name), the format <see cref="Load"/> reads.</summary>
    public string ToJson() => JsonSerializer.Serialize(this, Json);

    /// <summary>
    /// Reads options from a JSON file: keys as <see cref="ToJson"/> writes them, any subset (the rest keep their
    /// defaults). An unknown key, a wrong type or an invalid value is an error naming the file and the key.
    /// </summary>
    public static PretrainingOptions Load(string path)
    {
        var options = Read(path);
        try
        {
            options.Validate();
            options.Pipeline.Validate(options);
            return options;
        }
        catch (ArgumentException e)
        {
            throw new InvalidDataException($"{path}: {e.Message}", e);
        }
    }

    /// <summary>Options as a JSON file holds them, not validated (a run's <c>options.json</c>); a damaged file is an error naming it.</summary>
    internal static PretrainingOptions Read(string path)
    {
        try
        {
            return JsonSerializer.Deserialize<PretrainingOptions>(Utf8LineReader.ReadAllText(path), Json)
                   ?? throw new InvalidDataException($"{path}: expected a JSON object of pre-training options");
        }
        catch (JsonException e)
        {
            throw new InvalidDataException($"{path}: {Utf8LineReader.Quote(e.Message, 300)}", e);
        }
    }

    static readonly JsonSerializerOptions Json = new()
    {
        WriteIndented = true,
        PropertyNamingPolicy = JsonNamingPolicy.SnakeCaseLower,
        UnmappedMemberHandling = JsonUnmappedMemberHandling.Disallow,
        Converters = { new JsonStringEnumConverter(JsonNamingPolicy.SnakeCaseLower) },
    };

    /// <summary>A preset as its name.</summary>
    sealed class PresetNameConverter : JsonConverter<ElectraPreset>
    {
        public override ElectraPreset Read(ref Utf8JsonReader reader, Type typeToConvert, JsonSerializerOptions options)
        {
            try
            {
                return ElectraPreset.FromName(reader.GetString() ?? "");
            }
            catch (ArgumentException e)
            {
                throw new JsonException(e.Message, e);
            }
        }

        public override void Write(Utf8JsonWriter writer, ElectraPreset value, JsonSerializerOptions options) => writer.WriteStringValue(value.Name);
    }

    /// <summary>Builds the objective this run trains, for a vocabulary of <paramref name="vocabSize"/>.</summary>
    public PretrainingObjective CreateObjective(int vocabSize, SpecialTokens special)
    {
        if (InitFrom is not null) return CreateFromPretrained(InitFrom, vocabSize, special);
        var preset = Preset.WithVocabulary(vocabSize, special.Pad);
        if (GeneratorFraction is { } f) preset = preset with { GeneratorFraction = f };
        if (Dropout is { } p) // the generator's config derives from the discriminator's
            preset = preset with { Discriminator = preset.Discriminator with { HiddenDropoutProb = p, AttentionProbsDropoutProb = p } };
        double maskProbability = MaskProbability ?? preset.MaskProbability;
        return Objective switch
        {
            ObjectiveKind.Mlm => new MaskedLanguageModel(preset.Discriminator, special, MaskingOptions.Bert with { MaskProbability = maskProbability }),
            _ => new ReplacedTokenDetection(preset.Discriminator, preset.Generator, special, Electra, new MaskingOptions { MaskProbability = maskProbability }),
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
        return new ReplacedTokenDetection(Read(RunFolder.Discriminator, "ElectraForPreTraining"), Read(RunFolder.Generator, "ElectraForMaskedLM"), special,
            Electra, new MaskingOptions { MaskProbability = MaskProbability ?? Preset.MaskProbability });
    }
}
