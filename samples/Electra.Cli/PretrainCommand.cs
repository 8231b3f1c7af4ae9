using Electra.Data;
using Electra.Pretraining;
using Electra.Training;

namespace Electra.Cli;

/// <summary>
/// `electra pretrain`: corpus → tokenizer → dataset → trained discriminator and generator in HF layout.
/// Without --corpus it uses the default public-domain corpus (fetched once, see `electra corpus fetch`).
/// </summary>
static class PretrainCommand
{
    public const string Usage = "electra pretrain [--corpus PATH...] --out DIR [--preset tiny|small|base|large] [--steps N] [--batch B] [--seq L] [--lr X] " +
                                "[--save-every N] [--eval-every N] [--seed S] [--device cpu|cuda|auto] [--resume] [--objective electra|mlm] [--sharing shared|none] " +
                                "[--vocab-size N] [--tokenizer DIR] [--warmup N] [--accumulate N] [--log-every N] [--bias-correction true|false|auto]";

    public static int Run(Args a)
    {
        var corpus = a.Many("corpus");
        string output = a.Required("out");
        var options = ReadOptions(a, new PretrainingOptions());
        var pipeline = ReadPipeline(a);
        bool resume = a.Flag("resume");
        a.EnsureAllUsed();
        return Execute(corpus, output, options, pipeline, resume);
    }

    /// <summary>The text-preparation options shared by `pretrain` and `quickstart`.</summary>
    public static PipelineOptions ReadPipeline(Args a) => new()
    {
        SequenceLength = a.Int("seq", 128, min: 8),
        VocabSize = a.Optional("vocab-size") is null ? null : a.Int("vocab-size", 0, min: 16),
        TokenizerDir = a.Optional("tokenizer"),
    };

    /// <summary>The training options shared by `pretrain` and `quickstart`.</summary>
    public static PretrainingOptions ReadOptions(Args a, PretrainingOptions defaults) => defaults with
    {
        Preset = a.Optional("preset") ?? defaults.Preset,
        Steps = a.Long("steps", defaults.Steps, min: 1),
        BatchSize = a.Optional("batch") is null ? defaults.BatchSize : a.Int("batch", 0, min: 1),
        LearningRate = a.Optional("lr") is null ? defaults.LearningRate : a.Double("lr", 0),
        WarmupSteps = a.Optional("warmup") is null ? defaults.WarmupSteps : a.Long("warmup", 0, min: 0),
        SaveEvery = a.Int("save-every", defaults.SaveEvery, min: 1),
        EvalEvery = a.Int("eval-every", defaults.EvalEvery, min: 0),
        LogEvery = a.Int("log-every", defaults.LogEvery, min: 1),
        GradientAccumulation = a.Int("accumulate", defaults.GradientAccumulation, min: 1),
        Seed = a.Int("seed", defaults.Seed),
        Device = a.Optional("device") ?? defaults.Device,
        Optimizer = defaults.Optimizer with
        {
            BiasCorrection = a.Optional("bias-correction") switch
            {
                null or "auto" => defaults.Optimizer.BiasCorrection,
                "true" => true,
                "false" => false,
                var b => throw new UsageException($"--bias-correction expects true, false or auto, got '{b}'"),
            },
        },
        Objective = a.Optional("objective") switch
        {
            null => defaults.Objective,
            "electra" => ObjectiveKind.Electra,
            "mlm" => ObjectiveKind.Mlm,
            var o => throw new UsageException($"--objective expects electra or mlm, got '{o}'"),
        },
        Sharing = a.Optional("sharing") switch
        {
            null => defaults.Sharing,
            "shared" => EmbeddingSharing.Shared,
            "none" => EmbeddingSharing.None,
            var s => throw new UsageException($"--sharing expects shared or none, got '{s}'"),
        },
    };

    public static int Execute(IReadOnlyList<string> corpus, string output, PretrainingOptions options, PipelineOptions pipeline, bool resume)
    {
        try
        {
            options.Validate();
        }
        catch (ArgumentException e)
        {
            throw new UsageException(e.Message);
        }
        if (corpus.Count == 0)
        {
            var fetched = CorpusDownloader.Fetch(log: new Progress<string>(l => Console.WriteLine($"corpus: {l}")));
            Console.WriteLine($"corpus: {fetched.Folder} ({fetched.Bytes / 1e6:F1} MB, public domain: {CorpusDownloader.License})");
            corpus = new[] { fetched.Folder };
        }
        using var cancel = new CancellationTokenSource();
        ConsoleCancelEventHandler onCancel = (_, e) =>
        {
            e.Cancel = true;
            cancel.Cancel();
            Console.WriteLine("\nstopping at the end of this step; a checkpoint will be written (Ctrl+C again to abort)");
        };
        Console.CancelKeyPress += onCancel;
        var printer = new ProgressPrinter();
        try
        {
            Console.WriteLine($"pre-training {options.Objective} {options.Preset}: {options.Steps} steps of {options.EffectiveBatchSize} × {pipeline.SequenceLength} tokens → {Path.GetFullPath(output)}");
            var result = PretrainingPipeline.Run(corpus, output, options, pipeline,
                log: new SynchronousProgress<string>(l => Console.WriteLine(l)), progress: printer, resume: resume, cancellationToken: cancel.Token);
            printer.Finish();
            Summarize(result);
            return result.Completed ? 0 : 130;
        }
        finally
        {
            Console.CancelKeyPress -= onCancel;
        }
    }

    static void Summarize(PretrainingResult r)
    {
        Console.WriteLine();
        Console.WriteLine(r.Completed ? $"done: {r.Steps} steps, {r.TokensPerSecond:N0} tokens/s" : $"stopped at step {r.Steps}; continue with --resume");
        if (r.Validation.Count > 0)
            Console.WriteLine("held-out: " + string.Join(", ", r.Validation.Where(kv => kv.Key != "batches").Select(kv => $"{kv.Key} {kv.Value:0.####}")));
        foreach (string dir in r.ModelDirs) Console.WriteLine($"model:      {dir}");
        Console.WriteLine($"checkpoint: {r.LastCheckpoint}");
        Console.WriteLine($"metrics:    {Path.Combine(r.OutputDir, "metrics.jsonl")} (TensorBoard: {Path.Combine(r.OutputDir, "events")})");
        Console.WriteLine($"plot:       {Path.Combine(r.OutputDir, "training.png")}");
    }
}

/// <summary>An <see cref="IProgress{T}"/> that reports on the caller's thread (Progress&lt;T&gt; posts to the thread pool, reordering lines).</summary>
sealed class SynchronousProgress<T>(Action<T> report) : IProgress<T>
{
    public void Report(T value) => report(value);
}
