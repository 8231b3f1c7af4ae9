using System.CommandLine;
using System.Runtime.InteropServices;
using Electra.Corpora;
using Electra.Data;
using Electra.Distributed;
using Electra.IO;
using Electra.Modeling;
using Electra.Pretraining;
using Electra.Training;

namespace Electra.Cli;

/// <summary>
/// `electra pretrain`: corpus → tokenizer → dataset → trained discriminator and generator in HF layout.
/// Without --corpus it uses the default public-domain corpus (fetched once, see `electra corpus fetch`).
/// Under `mpirun -np N` it trains data-parallel on N ranks (docs/distributed.md); --batch stays the global batch.
/// With --init-from DIR it continues pre-training the discriminator/generator pair in DIR (shapes from their config.json,
/// tokenizer from DIR, fresh optimizer), and with --extend-vocab/--add-tokens first extends its vocabulary (OUT/init).
/// </summary>
static class PretrainCommand
{
    internal static readonly Option<string[]> Corpus = CliOption.Many("--corpus",
        "text (.txt: one sentence per line, blank line between documents) or .jsonl files, or folders of them; default: the public-domain corpus, fetched once (`electra corpus fetch`)", valueName: "PATH");
    static readonly Option<string> Out = CliOption.OutputFolder("--out", "run folder: tokenizer, dataset, checkpoints, models, metrics (required unless --print-config)");
    internal static readonly Option<string> Tokenizer = CliOption.Text("--tokenizer", "an existing tokenizer folder (vocab.txt) instead of training one", valueName: "DIR");
    static readonly Option<string> InitFrom = CliOption.Text("--init-from",
        "continue pre-training the pair in DIR/discriminator and DIR/generator (HF folders, any hub layout): shapes from their config.json, tokenizer from DIR, fresh optimizer; --preset then only supplies training defaults", valueName: "DIR");
    internal static readonly Option<int?> ExtendVocab = CliOption.OptionalInt("--extend-vocab",
        "with --init-from: add up to N WordPiece pieces learned on --corpus that the pair's vocabulary lacks (most frequent first; old ids unchanged), new rows the mean of the old pieces' (docs/domain-adaptation.md)", min: 0);
    internal static readonly Option<string> AddTokens = CliOption.Text("--add-tokens",
        "with --init-from: a file of tokens (one a line: whole words or symbols) added to the vocabulary as never-split tokens", valueName: "FILE");
    internal static readonly Option<bool> Resume = CliOption.Flag("--resume", "continue the run in --out from its newest checkpoint");
    internal static readonly Option<bool> Force = CliOption.Flag("--force",
        "replace the run in --out, or write one beside files electra did not create (only a run's own entries are ever removed)");
    static readonly Option<int> CollectiveTimeout = CliOption.Int("--collective-timeout", PretrainOptionGroups.DefaultCollectiveTimeout,
        "data-parallel: seconds a rank waits for the others before the job is ended, naming the missing rank", min: 1);
    static readonly PretrainingOptions Defaults = new();
    static readonly OptionGroup<PretrainingOptions> Objective = PretrainOptionGroups.Objective(Defaults);
    static readonly OptionGroup<PretrainingOptions> Run = PretrainOptionGroups.Run(Defaults);
    static readonly OptionGroup<PipelineOptions> Text = PretrainOptionGroups.Text(new PipelineOptions());

    public static Command Create()
    {
        var command = new Command("pretrain",
            "corpus → tokenizer → dataset → trained discriminator and generator (HF layout); data-parallel under `mpirun -np N`")
        {
            Corpus, Out, Tokenizer, InitFrom, ExtendVocab, AddTokens, Resume, Force, CollectiveTimeout, PretrainOptionGroups.Config, PretrainOptionGroups.PrintConfig,
        };
        Objective.AddTo(command);
        Run.AddTo(command);
        Text.AddTo(command);
        command.SetAction(r =>
        {
            var options = PretrainOptionGroups.Read(r, Defaults, Objective, Run, Text, Tokenizer);
            if (r.GetValue(InitFrom) is { } initFrom) options = options with { InitFrom = initFrom };
            if (r.GetValue(ExtendVocab) is { } extendVocab) options = options with { ExtendVocab = extendVocab };
            if (r.GetValue(AddTokens) is { } addTokens) options = options with { AddTokens = addTokens };
            if (r.GetValue(PretrainOptionGroups.PrintConfig)) return PretrainOptionGroups.Print(options);
            string output = r.GetValue(Out) ?? throw new UsageException("missing required option --out");
            return Execute(new RunRequest(r.GetValue(Corpus) ?? [], output, options, options.Pipeline, r.GetValue(Resume), r.GetValue(Force), "pretrain"),
                TimeSpan.FromSeconds(r.GetValue(CollectiveTimeout)));
        });
        return command;
    }

    /// <summary>One `pretrain` or `quickstart` invocation; <paramref name="Owner"/> is the command, written into the run folder's marker.</summary>
    internal sealed record RunRequest(IReadOnlyList<string> Corpus, string Output, PretrainingOptions Options, PipelineOptions Pipeline,
        bool Resume, bool Force, string Owner);

    /// <summary>
    /// Runs the pipeline in this process, or as one rank of an mpirun/srun job (the world is detected from the
    /// environment). In a job rank 0 alone prints; an error on any rank ends the whole job (MPI_Abort) with its message,
    /// since the other ranks would otherwise wait for it until the collective timeout.
    /// </summary>
    internal static int Execute(RunRequest run, TimeSpan? collectiveTimeout = null)
    {
        using var mpi = Mpi.Initialize(new MpiOptions { CollectiveTimeout = collectiveTimeout ?? new MpiOptions().CollectiveTimeout });
        if (mpi.Size == 1) return Execute(run, mpi);
        try
        {
            return Execute(run, mpi);
        }
        catch (Exception e)
        {
            mpi.Abort($"electra pretrain: {e.Message}", e is UsageException or OutputFolderException ? 2 : 1);
            throw; // not reached: Abort ends the process
        }
    }

    static int Execute(RunRequest run, Mpi mpi)
    {
        var (corpus, output, options, pipeline, resume, _, _) = run;
        CliOption.Validate(() =>
        {
            options.Validate(mpi.Size);
            pipeline.Validate(options);
            Electra.Native.TorchRuntime.EnsureLoaded();
            options.ResolveDevice(); // --device cuda on a CPU-only build: refused before anything is written
        });
        if (resume && run.Force) throw new UsageException("--resume continues the run in --out, --force replaces it: give one of them");
        if (corpus.Count > 0) CorpusReader.ListFiles(corpus); // a missing file fails here (exit 1, named), before any work
        TextWriter console = mpi.IsRoot ? Console.Out : TextWriter.Null;
        using var runLock = mpi.IsRoot ? PrepareFolder(run, console) : null;
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
            console.WriteLine($"pre-training {options.Objective} {(options.InitFrom is null ? options.Preset.Name : $"from {options.InitFrom}")}: {options.Steps} steps of {options.EffectiveBatchSize} × {pipeline.SequenceLength} tokens" +
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

    /// <summary>
    /// Decides what happens to --out before any work: a new run needs a new or empty folder; a folder this command
    /// claimed before (quickstart) or any run folder with --force has its run's entries removed (other files are kept);
    /// anything else is a usage error naming --out. The folder is then claimed with this command's marker.
    /// </summary>
    static RunLock PrepareFolder(RunRequest run, TextWriter console)
    {
        RunFolder.CheckInputs(run.Output, run.Options, run.Pipeline);
        var folder = RunFolder.Inspect(run.Output);
        bool replace = !run.Resume && (run.Force || (folder.Owner == run.Owner && run.Owner == "quickstart"));
        if (run.Resume) RunFolder.CheckResumable(run.Output);
        else if (!replace) RunFolder.CheckNewRun(run.Output);
        var runLock = RunLock.Acquire(run.Output); // a live run's folder is refused (exit 2, naming its pid)
        if (run.Resume) return runLock;
        if (replace && folder.OwnEntries.Count > 0)
        {
            var removed = RunFolder.RemoveRun(run.Output);
            console.WriteLine($"{run.Output}: replacing the earlier {folder.Owner ?? "run"} ({string.Join(", ", removed)}; use --resume to continue it instead)");
        }
        RunFolder.Claim(run.Output, run.Owner);
        return runLock;
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
        Console.WriteLine($"metrics:    {Path.Combine(r.OutputDir, RunFolder.MetricsFile)} (TensorBoard: {Path.Combine(r.OutputDir, RunFolder.Events)})");
        Console.WriteLine($"options:    {Path.Combine(r.OutputDir, RunFolder.OptionsFile)} (resolved; loadable with --config)");
        Console.WriteLine($"plot:       {Path.Combine(r.OutputDir, RunFolder.PlotFile)}");
    }
}

/// <summary>An <see cref="IProgress{T}"/> that reports on the caller's thread (Progress&lt;T&gt; posts to the thread pool, reordering lines).</summary>
sealed class SynchronousProgress<T>(Action<T> report) : IProgress<T>
{
    public void Report(T value) => report(value);
}
