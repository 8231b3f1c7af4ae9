using System.CommandLine;
using Electra.Distributed;
using Electra.Modeling;
using Electra.Optimization;
using Electra.Pretraining;
using Electra.Training;

namespace Electra.Cli;

/// <summary>
/// The pre-training options, declared once: `pretrain` and `quickstart` take all three groups (with their own defaults,
/// which `--help` shows), `experiment` takes <see cref="Objective"/> and <see cref="Text"/>.
/// </summary>
static class PretrainOptionGroups
{
    /// <summary>Model size, objective and batch: what the experiment compares at equal compute.</summary>
    public static OptionGroup<PretrainingOptions> Objective(PretrainingOptions d) => new OptionGroup<PretrainingOptions>()
        .Add(Preset(d.Preset.Name), (o, v) => o with { Preset = ElectraPreset.FromName(v) })
        .Add(CliOption.OptionalInt("--batch", $"sequences per optimizer step over all ranks (default: {Default(d.BatchSize, "the preset's: 128 small, 256 base, 2048 large")})", min: 1),
            (o, v) => o with { BatchSize = v ?? o.BatchSize })
        .Add(CliOption.OptionalNumber("--lr", $"peak learning rate (default: {Default(d.LearningRate, "the preset's: 5e-4 small, 2e-4 base/large")})"),
            (o, v) => o with { LearningRate = v ?? o.LearningRate })
        .Add(CliOption.Choice("--sharing", Name(d.Electra.Sharing), "generator/discriminator embedding sharing (paper: shared; gdes: gradient-disentangled)", "shared", "none", "gdes"),
            (o, v) => o with { Electra = o.Electra with { Sharing = Enum.Parse<EmbeddingSharing>(v, ignoreCase: true) } })
        .Add(CliOption.OptionalNumber("--generator-fraction", $"generator width as a fraction of the discriminator's, in (0, 1] (default: {Default(d.GeneratorFraction, "the preset's")})"),
            (o, v) => o with { GeneratorFraction = v ?? o.GeneratorFraction })
        .Add(CliOption.Number("--disc-weight", d.Electra.DiscriminatorWeight, "λ, the discriminator loss weight (paper: 50)"),
            (o, v) => o with { Electra = o.Electra with { DiscriminatorWeight = v } })
        .Add(CliOption.Number("--temperature", d.Electra.Temperature, "softmax temperature of the generator's samples (google: 1)"),
            (o, v) => o with { Electra = o.Electra with { Temperature = v } })
        .Add(CliOption.OptionalNumber("--mask-prob", $"fraction of tokens masked, in (0, 1) (default: {Default(d.MaskProbability, "the preset's: 0.15; 0.25 for large")})"),
            (o, v) => o with { MaskProbability = v ?? o.MaskProbability });

    /// <summary>Length, schedule, checkpoints, logging and device of one run.</summary>
    public static OptionGroup<PretrainingOptions> Run(PretrainingOptions d) => new OptionGroup<PretrainingOptions>()
        .Add(CliOption.Choice("--objective", Name(d.Objective), "ELECTRA (replaced-token detection) or the MLM-only baseline", "electra", "mlm"),
            (o, v) => o with { Objective = Enum.Parse<ObjectiveKind>(v, ignoreCase: true) })
        .Add(CliOption.Long("--steps", d.Steps, "optimizer steps", min: 1), (o, v) => o with { Steps = v })
        .Add(CliOption.OptionalLong("--warmup", "learning-rate warmup steps (default: 10,000, at most 10% of --steps)", min: 0),
            (o, v) => o with { WarmupSteps = v ?? o.WarmupSteps })
        .Add(CliOption.Int("--accumulate", d.GradientAccumulation, "micro-batches per optimizer step (gradient accumulation)", min: 1),
            (o, v) => o with { GradientAccumulation = v })
        .Add(CliOption.OptionalNumber("--dropout", "hidden and attention dropout of both models, in [0, 1) (default: the preset's, 0.1)"),
            (o, v) => o with { Dropout = v ?? o.Dropout })
        .Add(CliOption.Choice("--bias-correction", "auto", $"Adam bias correction (auto: on only for warmups under {OptimizerOptions.ShortWarmup} steps; google's ELECTRA: off)", "true", "false", "auto"),
            (o, v) => o with { Optimizer = o.Optimizer with { BiasCorrection = v == "auto" ? o.Optimizer.BiasCorrection : v == "true" } })
        .Add(CliOption.Number("--weight-decay", d.Optimizer.WeightDecay, "decoupled weight decay on matrices and embeddings (google: 0.01)"),
            (o, v) => o with { Optimizer = o.Optimizer with { WeightDecay = v } })
        .Add(CliOption.Number("--beta1", d.Optimizer.Beta1, "Adam β1"), (o, v) => o with { Optimizer = o.Optimizer with { Beta1 = v } })
        .Add(CliOption.Number("--beta2", d.Optimizer.Beta2, "Adam β2"), (o, v) => o with { Optimizer = o.Optimizer with { Beta2 = v } })
        .Add(CliOption.Number("--epsilon", d.Optimizer.Epsilon, "Adam ε (google: 1e-6)"), (o, v) => o with { Optimizer = o.Optimizer with { Epsilon = v } })
        .Add(CliOption.Number("--max-grad-norm", d.Optimizer.MaxGradNorm, "clip the global gradient norm to this (0: no clipping)"),
            (o, v) => o with { Optimizer = o.Optimizer with { MaxGradNorm = v } })
        .Add(CliOption.Int("--max-non-finite", d.MaxNonFiniteSteps, "stop with an error after this many consecutive steps with a non-finite loss or gradient (checked at log intervals)", min: 1),
            (o, v) => o with { MaxNonFiniteSteps = v })
        .Add(CliOption.Int("--save-every", d.SaveEvery, "write a checkpoint every N steps (and at the end)", min: 1), (o, v) => o with { SaveEvery = v })
        .Add(CliOption.Int("--keep-checkpoints", d.KeepCheckpoints, "keep the newest N checkpoints", min: 1), (o, v) => o with { KeepCheckpoints = v })
        .Add(CliOption.Int("--eval-batches", d.EvalBatches, "held-out batches per evaluation (at most)", min: 1), (o, v) => o with { EvalBatches = v })
        .Add(CliOption.Int("--eval-every", d.EvalEvery, "evaluate on held-out data every N steps (0: only at the end)", min: 0), (o, v) => o with { EvalEvery = v })
        .Add(CliOption.Int("--log-every", d.LogEvery, "report progress and metrics every N steps", min: 1), (o, v) => o with { LogEvery = v })
        .Add(CliOption.Int("--seed", d.Seed, "random seed (initialisation, masking, data order)"), (o, v) => o with { Seed = v })
        .Add(CliOption.Choice("--device", d.Device, "where to train (auto: cuda when available)", "cpu", "cuda", "auto"), (o, v) => o with { Device = v })
        .Add(CliOption.Choice("--bf16", "auto", "bf16 matmuls with fp32 master weights (auto: on for cuda, off for cpu)", "true", "false", "auto"),
            (o, v) => o with { Bf16 = v == "auto" ? o.Bf16 : v == "true" });

    /// <summary>How text becomes training sequences (sequence length and vocabulary).</summary>
    public static OptionGroup<PipelineOptions> Text(PipelineOptions d) => new OptionGroup<PipelineOptions>()
        .Add(CliOption.Int("--seq", d.SequenceLength, "tokens per sequence (at most the preset's max positions: 128 for tiny, 512 otherwise)", min: 8),
            (o, v) => o with { SequenceLength = v })
        .Add(CliOption.OptionalInt("--vocab-size", $"WordPiece vocabulary size to train (default: {Default(d.VocabSize, "8192 for tiny, 30522 otherwise")})", min: 16),
            (o, v) => o with { VocabSize = v ?? o.VocabSize });

    /// <summary>
    /// `--config FILE.json`: a <see cref="PretrainingOptions"/> file (<see cref="PretrainingOptions.ToJson"/>'s keys, any
    /// subset) read as the defaults that options given on the command line override.
    /// </summary>
    public static readonly Option<string> Config = CliOption.Text("--config",
        "pre-training options as JSON (snake_case keys of PretrainingOptions, any subset, e.g. {\"preset\": \"tiny\", \"electra\": {\"temperature\": 1}, \"pipeline\": {\"seq\": 64}}; --print-config writes a complete one); options given here override it",
        valueName: "FILE.json");

    /// <summary>`--print-config`: write the resolved options as JSON (a complete, loadable `--config` file) and exit.</summary>
    public static readonly Option<bool> PrintConfig = CliOption.Flag("--print-config",
        "print the options this command would run with, every default resolved, as JSON (a complete --config file; the keys it accepts) and exit");

    /// <summary>
    /// The options of a `pretrain`/`quickstart` command line: <c>--config</c> (or <paramref name="defaults"/>), then the
    /// options given, the text options (<c>seq</c>, <c>vocab_size</c>) included, and <c>--tokenizer</c>.
    /// </summary>
    public static PretrainingOptions Read(ParseResult r, PretrainingOptions defaults, OptionGroup<PretrainingOptions> objective,
        OptionGroup<PretrainingOptions> run, OptionGroup<PipelineOptions> text, Option<string> tokenizer)
    {
        var options = run.Override(r, objective.Override(r, Base(r, defaults)));
        var pipeline = text.Override(r, options.Pipeline);
        if (r.GetValue(tokenizer) is { } dir) pipeline = pipeline with { TokenizerDir = dir };
        return options with { Pipeline = pipeline };
    }

    /// <summary>
    /// Prints <paramref name="options"/> resolved (<see cref="PretrainingOptions.Resolve"/>: the device on this machine, the
    /// vocabulary size asked for) as a `--config` file. Exit code 0, or 2 for invalid options.
    /// </summary>
    public static int Print(PretrainingOptions options)
    {
        Electra.Native.TorchRuntime.EnsureLoaded();
        TrainingDevice? device = null;
        CliOption.Validate(() =>
        {
            options.Validate();
            options.Pipeline.Validate(options);
            device = options.ResolveDevice(); // --device cuda where there is none: a usage error, as for a run
        });
        Console.WriteLine(options.Resolve(device!, options.Pipeline.EffectiveVocabSize(options.Preset), options.Pipeline.SequenceLength).ToJson());
        return 0;
    }

    /// <summary>The options of <c>--config</c> when given (a usage error naming the file and key when it is bad), else <paramref name="defaults"/>.</summary>
    public static PretrainingOptions Base(ParseResult result, PretrainingOptions defaults)
    {
        if (result.GetValue(Config) is not { } path) return defaults;
        if (!File.Exists(path)) throw new UsageException($"--config: no such file {path}");
        try
        {
            return PretrainingOptions.Load(path);
        }
        catch (InvalidDataException e)
        {
            throw new UsageException($"--config: {e.Message}");
        }
    }

    /// <summary>--preset, checked against the known presets while parsing ("--preset: unknown preset 'huge' …").</summary>
    static Option<string> Preset(string @default)
    {
        var option = CliOption.Text("--preset", "model size: tiny, small, base or large (max sequence length: 128 for tiny, 512 otherwise)", @default, valueName: "tiny|small|base|large");
        option.Validators.Add(r =>
        {
            try
            {
                ElectraPreset.FromName(r.GetValueOrDefault<string>());
            }
            catch (ArgumentException e)
            {
                r.AddError($"--preset: {e.Message}");
            }
        });
        return option;
    }

    /// <summary>Data-parallel watchdog: how long a rank waits for the others in a collective.</summary>
    public static readonly int DefaultCollectiveTimeout = (int)new MpiOptions().CollectiveTimeout.TotalSeconds;

    static string Default<T>(T? value, string otherwise) where T : struct => value is { } v ? FormattableString.Invariant($"{v}") : otherwise;

    static string Name<T>(T value) where T : struct, Enum => value.ToString().ToLowerInvariant();
}
