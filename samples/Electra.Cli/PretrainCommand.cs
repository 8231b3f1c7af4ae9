using System.Runtime.InteropServices;
using Electra.Data;
using Electra.Distributed;
using Electra.Modeling;
using Electra.Pretraining;
using Electra.Training;

namespace Electra.Cli;

/// <summary>
/// `electra pretrain`: corpus → tokenizer → dataset → trained discriminator and generator in HF layout.
/// Without --corpus it uses the default public-domain corpus (fetched once, see `electra corpus fetch`).
/// Under `mpirun -np N` it trains data-parallel on N ranks (docs/distributed.md); --batch stays the global batch.
/// </summary>
static class PretrainCommand
{
    public const string Usage = "electra pretrain [--corpus PATH...] --out DIR [--preset tiny|small|base|large] [--steps N] [--batch B] [--seq L] [--lr X] " +
                                "[--save-every N] [--eval-every N] [--seed S] [--device cpu|cuda|auto] [--resume] [--objective electra|mlm] [--sharing shared|none|gdes] " +
                                "[--vocab-size N] [--tokenizer DIR] [--warmup N] [--accumulate N] [--log-every N] [--bias-correction true|false|auto] " +
                                "[--dropout X] [--generator-fraction X] [--disc-weight X] [--temperature X] [--mask-prob X] [--collective-timeout SECONDS]   " +
                                "(data-parallel: mpirun -np N dotnet Electra.Cli.dll pretrain …)";

    public static int Run(Args a)
    {
        var corpus = a.Many("corpus");
        string output = a.Required("out");
        var options = ReadOptions(a, new PretrainingOptions());
        var pipeline = ReadPipeline(a);
        bool resume = a.Flag("resume");
        var timeout = TimeSpan.FromSeconds(a.Int("collective-timeout", (int)new MpiOptions().CollectiveTimeout.TotalSeconds, min: 1));
        a.EnsureAllUsed();
        return Execute(corpus, output, options, pipeline, resume, timeout);
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
        Preset = a.Optional("preset") is { } preset ? ElectraPreset.FromName(preset) : defaults.Preset,
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
        Dropout = a.Optional("dropout") is null ? defaults.Dropout : a.Double("dropout", 0),
        GeneratorFraction = a.Optional("generator-fraction") is null ? defaults.GeneratorFraction : a.Double("generator-fraction", 0),
        MaskProbability = a.Optional("mask-prob") is null ? defaults.MaskProbability : a.Double("mask-prob", 0),
        Objective = a.Optional("objective") switch
        {
            null => defaults.Objective,
            "electra" => ObjectiveKind.Electra,
            "mlm" => ObjectiveKind.Mlm,
            var o => throw new UsageException($"--objective expects electra or mlm, got '{o}'"),
        },
        Electra = defaults.Electra with
        {
            DiscriminatorWeight = a.Double("disc-weight", defaults.Electra.DiscriminatorWeight),
            Temperature = a.Double("temperature", defaults.Electra.Temperature),
            Sharing = ReadSharing(a, defaults.Electra.Sharing),
        },
    };

    /// <summary>--sharing shared|none|gdes (`pretrain`, `quickstart` and `experiment`).</summary>
    public static EmbeddingSharing ReadSharing(Args a, EmbeddingSharing fallback) => a.Optional("sharing") switch
    {
        null => fallback,
        "shared" => EmbeddingSharing.Shared,
        "none" => EmbeddingSharing.None,
        "gdes" => EmbeddingSharing.Gdes,
        var s => throw new UsageException($"--sharing expects shared, none or gdes, got '{s}'"),
    };

    /// <summary>
    /// Runs the pipeline in this process, or as one rank of an mpirun/srun job (the world is detected from the
    /// environment). In a job rank 0 alone prints; an error on any rank ends the whole job (MPI_Abort) with its message,
    /// since the other ranks would otherwise wait for it until the collective timeout.
    /// </summary>
    public static int Execute(IReadOnlyList<string> corpus, string output, PretrainingOptions options, PipelineOptions pipeline, bool resume,
        TimeSpan? collectiveTimeout = null)
    {
        using var mpi = Mpi.Initialize(new MpiOptions { CollectiveTimeout = collectiveTimeout ?? new MpiOptions().CollectiveTimeout });
        if (mpi.Size == 1) return Execute(corpus, output, options, pipeline, resume, mpi);
        try
        {
            return Execute(corpus, output, options, pipeline, resume, mpi);
        }
        catch (Exception e)
        {
            mpi.Abort($"electra pretrain: {e.Message}", e is UsageException ? 2 : 1);
            throw; // not reached: Abort ends the process
        }
    }

    static int Execute(IReadOnlyList<string> corpus, string output, PretrainingOptions options, PipelineOptions pipeline, bool resume, Mpi mpi)
    {
        try
        {
            options.Validate(mpi.Size);
        }
        catch (ArgumentException e)
        {
            throw new UsageException(e.Message);
        }
        TextWriter console = mpi.IsRoot ? Console.Out : TextWriter.Null;
        if (mpi.IsDistributed && Environment.GetEnvironmentVariable("OMP_NUM_THREADS") is null)
        {
            // The ranks on a node share its cores: libtorch would otherwise start one thread per core in every rank.
            Electra.Native.TorchRuntime.EnsureLoaded();
            TorchSharp.torch.set_num_threads(Math.Max(1, Environment.ProcessorCount / mpi.LocalSize));
        }
        if (corpus.Count == 0)
        {
            if (!mpi.IsRoot) mpi.Barrier("waiting for rank 0 to fetch the corpus"); // then it is cached for everyone
            var fetched = CorpusDownloader.Fetch(log: new Progress<string>(l => console.WriteLine($"corpus: {l}")));
            if (mpi.IsRoot) mpi.Barrier("waiting for rank 0 to fetch the corpus");
            console.WriteLine($"corpus: {fetched.Folder} ({fetched.Bytes / 1e6:F1} MB, public domain: {CorpusDownloader.License})");
            corpus = new[] { fetched.Folder };
        }
        using var cancel = new CancellationTokenSource();
        void Stop(string how)
        {
            if (cancel.IsCancellationRequested) return;
            cancel.Cancel();
            console.WriteLine($"\n{how}: stopping at the end of this step{(mpi.Size > 1 ? " on every rank" : "")}; a checkpoint will be written");
        }
        ConsoleCancelEventHandler onCancel = (_, e) =>
        {
            e.Cancel = !cancel.IsCancellationRequested; // a second Ctrl+C ends the process at once
            Stop("Ctrl+C (again to abort)");
        };
        Console.CancelKeyPress += onCancel;
        // SIGTERM is what mpirun and batch schedulers send; SIGUSR1 is what mpirun forwards to the ranks untouched.
        using var onTerm = PosixSignalRegistration.Create(PosixSignal.SIGTERM, c => { c.Cancel = true; Stop("SIGTERM"); });
        using var onUsr1 = OperatingSystem.IsWindows() ? null : PosixSignalRegistration.Create(SigUsr1, c => { c.Cancel = true; Stop("SIGUSR1"); });
        var printer = mpi.IsRoot ? new ProgressPrinter() : null;
        try
        {
            console.WriteLine($"pre-training {options.Objective} {options.Preset}: {options.Steps} steps of {options.EffectiveBatchSize} × {pipeline.SequenceLength} tokens" +
                              $"{(mpi.Size > 1 ? $" on {mpi.Size} ranks ({options.EffectiveBatchSize / mpi.Size} sequences each)" : "")} → {Path.GetFullPath(output)}");
            var result = PretrainingPipeline.Run(corpus, output, options, pipeline,
                log: mpi.IsRoot ? new SynchronousProgress<string>(l => Console.WriteLine(l)) : null, progress: printer, resume: resume,
                cancellationToken: cancel.Token, mpi: mpi);
            printer?.Finish();
            if (mpi.IsRoot)
            {
                TrainingPlot.Draw(result.OutputDir);
                Summarize(result);
            }
            return result.Completed ? 0 : 130;
        }
        finally
        {
            Console.CancelKeyPress -= onCancel;
        }
    }

    /// <summary>SIGUSR1 on Linux (a raw signal number: .NET names only the portable signals).</summary>
    const PosixSignal SigUsr1 = (PosixSignal)10;

    static void Summarize(PretrainingResult r)
    {
        Console.WriteLine();
        Console.WriteLine(r.Completed ? $"done: {r.Steps} steps, {r.TokensPerSecond:N0} tokens/s" : $"stopped at step {r.Steps}; continue with --resume");
        if (r.Validation is { } held)
            Console.WriteLine("held-out: " + string.Join(", ", held.ToDictionary().Select(kv => $"{kv.Key} {kv.Value:0.####}")));
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
