using System.CommandLine;
using Electra.Distributed;
using Electra.Modeling;
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
        .Add(Preset(d.Preset), (o, v) => o with { Preset = v })
        .Add(CliOption.OptionalInt("--batch", $"sequences per optimizer step over all ranks (default: {Default(d.BatchSize, "the preset's: 128 small, 256 base, 2048 large")})", min: 1),
            (o, v) => o with { BatchSize = v ?? o.BatchSize })
        .Add(CliOption.OptionalNumber("--lr", $"peak learning rate (default: {Default(d.LearningRate, "the preset's: 5e-4 small, 2e-4 base/large")})"),
            (o, v) => o with { LearningRate = v ?? o.LearningRate })
        .Add(CliOption.Choice("--sharing", Name(d.Sharing), "generator/discriminator embedding sharing (paper: shared; gdes: gradient-disentangled)", "shared", "none", "gdes"),
            (o, v) => o with { Sharing = Enum.Parse<EmbeddingSharing>(v, ignoreCase: true) })
        .Add(CliOption.OptionalNumber("--generator-fraction", $"generator width as a fraction of the discriminator's, in (0, 1] (default: {Default(d.GeneratorFraction, "the preset's")})"),
            (o, v) => o with { GeneratorFraction = v ?? o.GeneratorFraction })
        .Add(CliOption.Number("--disc-weight", d.DiscriminatorWeight, "λ, the discriminator loss weight (paper: 50)"),
            (o, v) => o with { DiscriminatorWeight = v })
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
        .Add(CliOption.Int("--save-every", d.SaveEvery, "write a checkpoint every N steps (and at the end)", min: 1), (o, v) => o with { SaveEvery = v })
        .Add(CliOption.Int("--eval-every", d.EvalEvery, "evaluate on held-out data every N steps (0: only at the end)", min: 0), (o, v) => o with { EvalEvery = v })
        .Add(CliOption.Int("--log-every", d.LogEvery, "report progress and metrics every N steps", min: 1), (o, v) => o with { LogEvery = v })
        .Add(CliOption.Int("--seed", d.Seed, "random seed (initialisation, masking, data order)"), (o, v) => o with { Seed = v })
        .Add(CliOption.Choice("--device", d.Device, "where to train (auto: cuda when available)", "cpu", "cuda", "auto"), (o, v) => o with { Device = v });

    /// <summary>How text becomes training sequences (sequence length and vocabulary).</summary>
    public static OptionGroup<PipelineOptions> Text(PipelineOptions d) => new OptionGroup<PipelineOptions>()
        .Add(CliOption.Int("--seq", d.SequenceLength, "tokens per sequence (at most the preset's max positions: 128 for tiny, 512 otherwise)", min: 8),
            (o, v) => o with { SequenceLength = v })
        .Add(CliOption.OptionalInt("--vocab-size", $"WordPiece vocabulary size to train (default: {Default(d.VocabSize, "8192 for tiny, 30522 otherwise")})", min: 16),
            (o, v) => o with { VocabSize = v ?? o.VocabSize });

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
