using System.Diagnostics;
using System.Text.Json;
using Electra.Data;
using Electra.Distributed;
using Electra.IO;
using Electra.Modeling;
using Electra.Native;
using Electra.Optimization;
using Electra.Pretraining;
using Electra.Tokenization;
using TorchSharp;
using static TorchSharp.torch;

namespace Electra.Training;

/// <summary>What a finished (or cancelled) pre-training run leaves behind.</summary>
/// <param name="OutputDir">The run folder.</param>
/// <param name="Steps">Optimizer steps completed.</param>
/// <param name="Completed">False when cancelled before <see cref="PretrainingOptions.Steps"/>.</param>
/// <param name="LastCheckpoint">The newest checkpoint folder.</param>
/// <param name="Validation">The last held-out evaluation (null if none ran).</param>
/// <param name="TokensPerSecond">Average training throughput of this session.</param>
/// <param name="ModelDirs">HF folders written at the end (discriminator/generator, or mlm; on rank 0).</param>
public sealed record PretrainingResult(string OutputDir, long Steps, bool Completed, string? LastCheckpoint,
    PretrainingMetrics? Validation, double TokensPerSecond, IReadOnlyList<string> ModelDirs);

/// <summary>
/// Pre-trains an ELECTRA (or MLM) model on a dataset folder. The loop reads like nanoGPT's: take the next batches, run
/// the <see cref="PretrainingStep"/>, and at their intervals log (<see cref="IntervalClock"/>, <see cref="MetricSums"/>),
/// evaluate (<see cref="Evaluation"/>) and checkpoint (<see cref="Checkpoint"/>); at the end export HF folders
/// (<see cref="PretrainingExport"/>). Resume is exact (model, optimizer, RNG and data position; bit-exact on CPU) from
/// the newest checkpoint that matches its manifest. Data-parallel over MPI when given a job of several ranks
/// (docs/distributed.md): each rank trains on its share of every global batch, gradients are averaged before each
/// optimizer step, rank 0 logs, evaluates and writes. Output folder: <c>run.json</c>, <c>metrics.jsonl</c>,
/// <c>events/</c>, <c>checkpoints/</c>, then <c>discriminator/</c> + <c>generator/</c> (or <c>mlm/</c>).
/// </summary>
public sealed class Trainer
{
    readonly PretrainingOptions options;
    readonly string datasetDir;
    readonly string outputDir;
    readonly string tokenizerDir;
    readonly IProgress<TrainingProgress>? progress;
    readonly Mpi? mpi;
    readonly int rank, ranks;
    IReadOnlyDictionary<string, string>? identity;

    /// <summary>What shaped the dataset (sequence length, corpus, vocabulary request): run.json keys a resume must match.</summary>
    internal IReadOnlyDictionary<string, string> DataIdentity { get; init; } = new Dictionary<string, string>();

    /// <summary>
    /// The options run.json and options.json record when they differ from those this trainer runs with: a run that
    /// extends a vocabulary trains the extended pair in <c>OUT/init</c> but records <c>--init-from</c> and
    /// <c>--extend-vocab</c> as given, so that its options.json, loaded as <c>--config</c>, trains the same run again.
    /// </summary>
    internal PretrainingOptions? RecordedOptions { get; init; }

    /// <summary>Prepares a run; nothing is read or written until <see cref="Run"/>.</summary>
    /// <param name="options">The run's configuration.</param>
    /// <param name="datasetDir">A folder written by <see cref="DatasetBuilder"/>.</param>
    /// <param name="tokenizerDir">The tokenizer the dataset was built with (its files are saved with the models).</param>
    /// <param name="outputDir">Where the run writes.</param>
    /// <param name="progress">Receives step, evaluation and checkpoint reports (on rank 0 only).</param>
    /// <param name="mpi">
    /// The data-parallel job this process is a rank of; null or a world of 1 trains alone. Every rank runs the same
    /// trainer on its share of each global batch (<see cref="PretrainingOptions.BatchSize"/> is global).
    /// </param>
    public Trainer(PretrainingOptions options, string datasetDir, string tokenizerDir, string outputDir, IProgress<TrainingProgress>? progress = null, Mpi? mpi = null)
    {
        this.mpi = mpi;
        rank = mpi?.Rank ?? 0;
        ranks = mpi?.Size ?? 1;
        this.options = options.Validate(ranks);
        this.datasetDir = datasetDir;
        this.tokenizerDir = tokenizerDir;
        this.outputDir = outputDir;
        this.progress = progress;
    }

    bool IsRoot => rank == 0;

    /// <summary>
    /// Trains until <see cref="PretrainingOptions.Steps"/> or cancellation (which saves a checkpoint at the
    /// current step and returns). With <paramref name="resume"/>, continues from the newest intact checkpoint (a
    /// damaged one is named in a notice and skipped; none intact is an error). In a data-parallel job every rank calls
    /// it; cancellation on any rank stops all of them after the same step.
    /// </summary>
    public PretrainingResult Run(bool resume = false, CancellationToken cancellationToken = default)
    {
        TorchRuntime.EnsureLoaded();
        // The dataset records the vocabulary and the special ids; the tokenizer is only checked to be the one that
        // built it, since its files are exported with the models.
        var vocabulary = TokenizerVocabulary.Describe(WordPieceTokenizer.Load(tokenizerDir));
        using (var check = PretrainingDataset.Open(datasetDir)) check.EnsureVocabulary(vocabulary.VocabSize, vocabulary.Fingerprint);
        var data = DatasetManifest.Read(datasetDir);
        if (data.MaskId is not { } maskId)
            throw new InvalidDataException($"{Path.Combine(datasetDir, DatasetManifest.FileName)} does not record the [MASK] id (built by an older version): rebuild the dataset");
        var training = options.ResolveDevice(mpi); // an unavailable device fails here, before anything is written
        var device = training.Device;
        using var runLock = IsRoot ? RunLock.Acquire(outputDir) : null;
        if (IsRoot) identity = PrepareOutput(resume, vocabulary.Fingerprint, training, data.VocabSize, data.MaxSeqLength);
        double ceilingGflops = MatmulCeiling.MeasureGflops(training); // MFU's denominator, per rank
        torch.manual_seed(options.Seed);
        using var model = options.CreateObjective(data.VocabSize, new SpecialTokens(data.PadId, data.ClsId, data.SepId, maskId));
        if (data.MaxSeqLength > model.Encoder.Config.MaxPositionEmbeddings)
            throw new InvalidOperationException($"the dataset's sequences of {data.MaxSeqLength} tokens exceed the model's max_position_embeddings {model.Encoder.Config.MaxPositionEmbeddings}");
        model.to(device);
        model.train();
        using var optimizer = options.CreateOptimizer(model);
        var schedule = options.CreateSchedule();
        var (state, lastCheckpoint) = Restore(resume, model, optimizer);

        int micro = options.EffectiveBatchSize / (options.GradientAccumulation * ranks);
        using var loader = new PretrainingLoader(datasetDir, new LoaderOptions { BatchSize = micro, Seed = options.Seed, Rank = rank, WorldSize = ranks }, state.Data);
        using var metrics = IsRoot ? new MetricsLog(outputDir, state.Step, writeEvents: true) : null;
        using var trainStep = new PretrainingStep(model, optimizer, training, options.Seed, mpi);
        double flopsPerStep = model.TrainingFlops(micro, data.MaxSeqLength) * options.GradientAccumulation * ranks;

        long step = state.Step, tokensSeen = state.TokensSeen, sessionTokens = 0;
        var position = state.Data;
        var session = Stopwatch.StartNew();
        var interval = new IntervalClock();
        PretrainingMetrics? validation = null;
        TimeSpan Elapsed() => TimeSpan.FromSeconds(state.ElapsedSeconds + session.Elapsed.TotalSeconds);
        string SaveCheckpoint() => Save(model, optimizer, new TrainerState(step, position, tokensSeen, Elapsed().TotalSeconds, ranks));

        while (step < options.Steps)
        {
            var batches = Enumerable.Range(0, options.GradientAccumulation).Select(_ => loader.Next()).ToArray();
            var outcome = trainStep.Run(step, schedule.At(step), batches, cancellationToken.IsCancellationRequested);
            if (outcome.Stopped) break; // the batches just read are not trained on: position stays before them
            position = batches[^1].Next;
            step++;
            tokensSeen += outcome.Tokens;
            sessionTokens += outcome.Tokens;
            interval.Add(outcome.Tokens);

            bool last = step == options.Steps;
            if (step % options.LogEvery == 0 || last)
            {
                var read = trainStep.Metrics.Read(model.HasDiscriminator, mpi: mpi); // sync: log interval (and an all-reduce of the sums)
                var lap = interval.Lap();
                double gflops = flopsPerStep * lap.Steps / Math.Max(lap.Seconds, 1e-9) / 1e9;
                var figures = new TrainingFigures(read, schedule.At(step - 1), lap.TokensPerSecond, gflops, gflops / (ceilingGflops * ranks), tokensSeen,
                    ranks > 1 ? trainStep.Communication.Elapsed.TotalMilliseconds / lap.Steps : null);
                trainStep.Communication.Reset();
                metrics?.Write(step, "train", figures.ToDictionary());
                Report(ProgressKind.Train, step, Elapsed(), train: figures);
                CheckNonFinite(optimizer, step, lastCheckpoint);
            }
            if (((options.EvalEvery > 0 && step % options.EvalEvery == 0) || last) && IsRoot)
                using (interval.Pause()) // evaluation time is not training throughput; the other ranks wait at the next collective
                    validation = Evaluate(model, device, step, metrics!) ?? validation;
            if (step % options.SaveEvery == 0 || last)
                using (interval.Pause())
                    lastCheckpoint = SaveCheckpoint();
        }
        if (step < options.Steps && lastCheckpoint != Path.Combine(outputDir, RunFolder.Checkpoints, Checkpoint.Name(step)))
            lastCheckpoint = SaveCheckpoint();

        // The export comes from weights this session trained (checked finite at the last checkpoint) or loaded from a verified checkpoint.
        var modelDirs = step == options.Steps && IsRoot ? PretrainingExport.Save(model, outputDir, tokenizerDir) : [];
        return new PretrainingResult(outputDir, step, step == options.Steps, lastCheckpoint, validation,
            sessionTokens / Math.Max(session.Elapsed.TotalSeconds, 1e-9), modelDirs);
    }

    /// <summary>
    /// Without <paramref name="resume"/>: the start. With it: model, optimizer and RNG from the newest checkpoint that
    /// loads intact, older ones tried in turn when one is damaged (each named in a notice); an error when checkpoints
    /// exist but none is intact. Seeds the per-rank dropout streams when the checkpoint does not carry this rank's.
    /// </summary>
    (TrainerState State, string? Checkpoint) Restore(bool resume, PretrainingObjective model, AdamWeightDecay optimizer)
    {
        string checkpoints = Path.Combine(outputDir, RunFolder.Checkpoints);
        TrainerState? state = null;
        string? restored = null;
        var existing = resume ? Checkpoint.List(checkpoints) : [];
        var damaged = new List<string>();
        foreach (string candidate in existing.Reverse())
        {
            try
            {
                state = Checkpoint.Load(candidate, model, optimizer, mpi);
                restored = candidate;
                break;
            }
            catch (InvalidDataException e)
            {
                damaged.Add(candidate);
                Report(ProgressKind.Notice, 0, TimeSpan.Zero, $"warning: skipping damaged checkpoint {candidate}: {e.Message}");
            }
        }
        if (existing.Count > 0 && state is null)
            throw new InvalidDataException($"no intact checkpoint in {checkpoints} to resume from (damaged: {string.Join(", ", damaged)}); " +
                "move them away to start over, or restore them from a copy");
        if (state is not null)
            Report(ProgressKind.Notice, state.Step, TimeSpan.FromSeconds(state.ElapsedSeconds),
                damaged.Count > 0 ? $"resumed from {restored}, the newest intact checkpoint" : $"resumed from {restored}");
        else if (resume)
            Report(ProgressKind.Notice, 0, TimeSpan.Zero, $"no checkpoint in {checkpoints}: starting from step 0");
        if (state is null && options.InitFrom is not null) // a checkpoint supersedes the weights it started from
        {
            model.LoadPretrained(options.InitFrom, note => Report(ProgressKind.Notice, 0, TimeSpan.Zero, note));
            Report(ProgressKind.Notice, 0, TimeSpan.Zero, $"initialised from {options.InitFrom} (discriminator and generator; fresh optimizer)");
        }
        mpi?.BroadcastParameters(model); // every rank starts from rank 0's weights (identical already: same seed, same checkpoint)
        if (state is null || state.Ranks != ranks)
        {
            // Dropout draws from the global generator, one stream per rank; masking and sampling use their own (PretrainingStep).
            // A checkpoint of another world size has no stream for this rank: derive a fresh one from the step.
            ulong stream = DeterministicHash.Combine(options.Seed, rank);
            torch.manual_seed((long)((state is not null ? DeterministicHash.Combine((long)stream, state.Step) : stream) >> 1));
            if (state is not null)
                Report(ProgressKind.Notice, state.Step, TimeSpan.FromSeconds(state.ElapsedSeconds),
                    $"the checkpoint was written by {state.Ranks} rank(s), this job has {ranks}: continuing from the same global sample " +
                    "with the same masking, with fresh per-rank dropout streams (not bit-identical to an uninterrupted run unless dropout is 0)");
        }
        return (state ?? new TrainerState(0, LoaderPosition.Start, 0, 0, ranks), restored);
    }

    /// <summary>
    /// Reports steps skipped for a non-finite loss or gradient, and stops the run (all ranks: the counts are the same
    /// everywhere) once <see cref="PretrainingOptions.MaxNonFiniteSteps"/> of them came in a row. sync: log interval.
    /// </summary>
    void CheckNonFinite(AdamWeightDecay optimizer, long step, string? lastCheckpoint)
    {
        long skipped = optimizer.SkippedSteps.item<long>(), consecutive = optimizer.ConsecutiveSkips.item<long>();
        if (consecutive == 0) return;
        Report(ProgressKind.Notice, step, TimeSpan.Zero,
            $"skipped step(s) with a non-finite loss or gradient: {consecutive} in a row up to step {step} ({skipped} in total)");
        if (consecutive >= options.MaxNonFiniteSteps)
            throw new NonFiniteTrainingException($"the loss or gradient was not finite for {consecutive} consecutive steps (up to step {step}, limit " +
                $"{options.MaxNonFiniteSteps}): the run is not learning anymore, stopping. The last checkpoint, with finite weights, is " +
                $"{lastCheckpoint ?? "(none yet)"}; resume from it with a lower --lr or more warmup.");
    }

    /// <summary>A collective: every rank calls it, rank 0 writes.</summary>
    string Save(PretrainingObjective model, AdamWeightDecay optimizer, TrainerState state)
    {
        string path = Checkpoint.Save(Path.Combine(outputDir, RunFolder.Checkpoints), model, optimizer, state, options.KeepCheckpoints, mpi, identity);
        Report(ProgressKind.Checkpoint, state.Step, TimeSpan.FromSeconds(state.ElapsedSeconds), path);
        return path;
    }

    /// <summary>Rank 0's held-out evaluation at <paramref name="step"/>, logged; null without a validation split.</summary>
    PretrainingMetrics? Evaluate(PretrainingObjective model, Device device, long step, MetricsLog metrics)
    {
        var manifest = DatasetManifest.Read(datasetDir);
        if (manifest.Validation.Sequences == 0) return null;
        using var validation = new PretrainingLoader(datasetDir, new LoaderOptions
        {
            BatchSize = Math.Min(options.EffectiveBatchSize / options.GradientAccumulation, 64),
            Split = DatasetSplit.Validation,
            SinglePass = true,
        });
        var result = Evaluation.Run(model, validation, device, options.EvalBatches, options.Seed);
        if (result is null) return null;
        metrics.Write(step, "validation", result.ToDictionary());
        Report(ProgressKind.Evaluation, step, TimeSpan.Zero, evaluation: result);
        return result;
    }

    /// <summary>
    /// run.json guards an output folder against being reused by a different run: a resume must match what
    /// <see cref="RunIdentity"/> records (the options' keys, <see cref="DataIdentity"/>, the dataset and vocabulary); a
    /// resume needs a run to continue. Leftovers of a run killed mid-write are removed first. options.json records the
    /// session's resolved options. Returns the identity, which every checkpoint carries.
    /// </summary>
    IReadOnlyDictionary<string, string> PrepareOutput(bool resume, string vocabularyFingerprint, TrainingDevice device, int vocabularySize, int sequenceLength)
    {
        if (resume) RunFolder.CheckResumable(outputDir);
        Directory.CreateDirectory(outputDir);
        foreach (string dir in new[] { outputDir, Path.Combine(outputDir, RunFolder.Checkpoints) })
            foreach (string stale in AtomicFile.RemoveStale(dir))
                Report(ProgressKind.Notice, 0, TimeSpan.Zero, $"removed {stale}, left by an interrupted write");
        var run = new Dictionary<string, string>(DataIdentity);
        foreach (var (key, value) in RunIdentity.Of(RecordedOptions ?? options)) run[key] = value;
        run["dataset"] = RunFolder.DatasetKey(outputDir, datasetDir);
        run["vocabulary"] = vocabularyFingerprint;
        string runFile = Path.Combine(outputDir, RunFolder.RunFile);
        if (File.Exists(runFile) && !resume)
            throw new OutputFolderException($"--out {outputDir} already holds a pre-training run ({runFile}); pass --resume to continue it, or choose another --out");
        RunIdentity.EnsureSame(outputDir, run);
        AtomicFile.WriteAllText(runFile, RunIdentity.ToJson(run));
        AtomicFile.WriteAllText(Path.Combine(outputDir, RunFolder.OptionsFile), (RecordedOptions ?? options).Resolve(device, options.Pipeline.VocabSize ?? vocabularySize, sequenceLength).ToJson());
        return run;
    }

    void Report(ProgressKind kind, long step, TimeSpan elapsed, string? message = null, TrainingFigures? train = null, PretrainingMetrics? evaluation = null)
    {
        if (IsRoot) progress?.Report(new TrainingProgress(kind, step, options.Steps, elapsed, message, train, evaluation));
    }
}

/// <summary>A run stopped because its steps kept producing non-finite losses or gradients (<see cref="PretrainingOptions.MaxNonFiniteSteps"/>).</summary>
public sealed class NonFiniteTrainingException(string message) : InvalidOperationException(message);
