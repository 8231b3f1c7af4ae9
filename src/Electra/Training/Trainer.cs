using System.Diagnostics;
using System.Text.Json;
using Electra.Data;
using Electra.Distributed;
using Electra.Modeling;
using Electra.Native;
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
/// <param name="Validation">The last held-out evaluation (empty if none ran).</param>
/// <param name="TokensPerSecond">Average training throughput of this session.</param>
/// <param name="ModelDirs">HF folders written at the end (discriminator/generator, or mlm).</param>
public sealed record PretrainingResult(string OutputDir, long Steps, bool Completed, string? LastCheckpoint,
    IReadOnlyDictionary<string, double> Validation, double TokensPerSecond, IReadOnlyList<string> ModelDirs);

/// <summary>
/// Pre-trains an ELECTRA (or MLM) model on a dataset folder: one dispose scope per step, dynamic masking on
/// the device, the learning rate from the step, metrics read only at log intervals, evaluation, atomic
/// checkpoints, exact resume (model, optimizer, RNG and data position; bit-exact on CPU), and HF folders at
/// the end. Data-parallel over MPI when given a job of several ranks (docs/distributed.md): each rank trains on its
/// share of every global batch, gradients are averaged before each optimizer step, rank 0 logs, evaluates and writes. Output folder: <c>run.json</c>, <c>metrics.jsonl</c>, <c>events/</c>, <c>training.png</c>,
/// <c>checkpoints/</c>, then <c>discriminator/</c> + <c>generator/</c> (or <c>mlm/</c>).
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

    /// <summary>cpu, cuda, cuda:N or auto.</summary>
    public static Device ResolveDevice(string name)
    {
        if (name == "auto") return cuda.is_available() ? CUDA : CPU;
        if (name.StartsWith("cuda", StringComparison.Ordinal) && !cuda.is_available())
            throw new ArgumentException($"device '{name}' requested but CUDA is not available (build with -p:ElectraBackend=cuda on a machine with an NVIDIA GPU)");
        try
        {
            return torch.device(name);
        }
        catch (Exception e) when (e is ArgumentException or FormatException)
        {
            throw new ArgumentException($"unknown device '{name}' (expected cpu, cuda, cuda:N or auto)", e);
        }
    }

    /// <summary>
    /// This rank's device: <see cref="ResolveDevice"/>, except that cuda and auto mean <c>cuda:{LocalRank}</c> in a
    /// data-parallel job (one GPU per rank); an explicit cuda:N is kept.
    /// </summary>
    static Device RankDevice(string name, Mpi? mpi)
    {
        var device = ResolveDevice(name);
        return mpi is { Size: > 1 } && device.type == DeviceType.CUDA && !name.Contains(':') ? torch.device(DeviceType.CUDA, mpi.LocalRank) : device;
    }

    bool IsRoot => rank == 0;

    /// <summary>A loader batch as [B, L] int64 tensors on <paramref name="device"/>.</summary>
    public static (Tensor Ids, Tensor Mask, Tensor Types) ToTensors(PretrainingBatch batch, Device device)
    {
        long[] shape = { batch.BatchSize, batch.SequenceLength };
        return (tensor(batch.InputIds, shape).to(device), tensor(batch.AttentionMask, shape).to(device), tensor(batch.TokenTypeIds, shape).to(device));
    }

    /// <summary>
    /// Trains until <see cref="PretrainingOptions.Steps"/> or cancellation (which saves a checkpoint at the
    /// current step and returns). With <paramref name="resume"/>, continues from the newest complete checkpoint.
    /// In a data-parallel job every rank calls it; cancellation on any rank stops all of them after the same step.
    /// </summary>
    public PretrainingResult Run(bool resume = false, CancellationToken cancellationToken = default)
    {
        Native.TorchRuntime.EnsureLoaded();
        var tokenizer = WordPieceTokenizer.Load(tokenizerDir);
        var vocabulary = TokenizerVocabulary.Describe(tokenizer);
        using (var check = PretrainingDataset.Open(datasetDir)) check.EnsureVocabulary(vocabulary.VocabSize, vocabulary.Fingerprint);
        string checkpoints = Path.Combine(outputDir, "checkpoints");
        if (IsRoot) PrepareOutput(resume, vocabulary.Fingerprint);

        var device = RankDevice(options.Device, mpi);
        bool bf16 = options.Bf16 ?? device.type == DeviceType.CUDA;
        torch.manual_seed(options.Seed);
        var special = new SpecialTokens(tokenizer.PadId, tokenizer.ClsId, tokenizer.SepId, tokenizer.MaskId);
        using var model = options.CreateObjective(tokenizer.VocabSize, special);
        model.to(device);
        model.train();
        using var optimizer = new AdamWeightDecay(AdamWeightDecay.DefaultGroups(model, options.Optimizer.WeightDecay),
            options.Optimizer.ForWarmup(options.EffectiveWarmup) with { LearningRate = options.EffectiveLearningRate });
        var schedule = new LearningRateSchedule(options.EffectiveLearningRate, options.EffectiveWarmup, options.Steps);

        var state = new TrainerState(0, LoaderPosition.Start, 0, 0, ranks);
        var existing = Checkpoint.List(checkpoints);
        bool resumed = resume && existing.Count > 0;
        if (resumed)
        {
            state = Checkpoint.Load(existing[^1], model, optimizer, mpi);
            Report(ProgressKind.Notice, state.Step, new(), TimeSpan.FromSeconds(state.ElapsedSeconds), $"resumed from {existing[^1]}");
        }
        else if (resume)
            Report(ProgressKind.Notice, 0, new(), TimeSpan.Zero, $"no checkpoint in {checkpoints}: starting from step 0");
        if (!resumed && options.InitFrom is not null)
        {
            ((ReplacedTokenDetection)model).LoadPretrained(options.InitFrom, note => Report(ProgressKind.Notice, 0, new(), TimeSpan.Zero, note));
            Report(ProgressKind.Notice, 0, new(), TimeSpan.Zero, $"initialised from {options.InitFrom} (discriminator and generator; fresh optimizer)");
        }
        mpi?.BroadcastParameters(model); // every rank starts from rank 0's weights (identical already: same seed, same checkpoint)
        if (!resumed || state.Ranks != ranks)
        {
            // Dropout draws from the global generator, one stream per rank; masking and sampling use their own below.
            // A checkpoint of another world size has no stream for this rank: derive a fresh one from the step.
            ulong stream = DeterministicHash.Combine(options.Seed, rank);
            torch.manual_seed((long)((resumed ? DeterministicHash.Combine((long)stream, state.Step) : stream) >> 1));
            if (resumed)
                Report(ProgressKind.Notice, state.Step, new(), TimeSpan.FromSeconds(state.ElapsedSeconds),
                    $"the checkpoint was written by {state.Ranks} rank(s), this job has {ranks}: continuing from the same global sample " +
                    "with the same masking, with fresh per-rank dropout streams (not bit-identical to an uninterrupted run unless dropout is 0)");
        }

        int accumulation = options.GradientAccumulation;
        int micro = options.EffectiveBatchSize / (accumulation * ranks);
        using var loader = new PretrainingLoader(datasetDir, new LoaderOptions { BatchSize = micro, Seed = options.Seed, Rank = rank, WorldSize = ranks }, state.Data);
        using var metrics = IsRoot ? new MetricsLog(outputDir, state.Step, writeEvents: true) : null;
        using var gradients = ranks > 1 ? new GradientAllReduce(mpi!, model.UniqueNamedParameters().Select(p => p.Parameter)) : null;
        // Masking and the generator's samples: one generator, reseeded identically on every rank for each micro-batch.
        var batchRng = new Generator((ulong)options.Seed, device);
        int seqLength = loader.Manifest.MaxSeqLength;
        if (seqLength > model.Encoder.Config.MaxPositionEmbeddings)
            throw new InvalidOperationException($"the dataset's sequences of {seqLength} tokens exceed the model's max_position_embeddings {model.Encoder.Config.MaxPositionEmbeddings}");
        double flopsPerStep = model.TrainingFlops(micro, seqLength) * accumulation * ranks;

        long step = state.Step, tokensSeen = state.TokensSeen;
        double elapsedBefore = state.ElapsedSeconds;
        var clock = Stopwatch.StartNew();
        var interval = Stopwatch.StartNew();
        var communication = new Stopwatch();
        long intervalTokens = 0, intervalSteps = 0, sessionTokens = 0, skippedSeen = optimizer.SkippedSteps.item<long>(), nonFiniteRun = 0;
        Tensor? sums = null; // [11] per-interval sums of the step metrics, on the device
        var position = state.Data;
        var agreement = new double[2 + 2 * accumulation]; // stop flag, tokens, then (masked positions, tokens) per micro-batch
        string? lastCheckpoint = resumed ? existing[^1] : null;
        IReadOnlyDictionary<string, double> validation = new Dictionary<string, double>();
        TimeSpan Elapsed() => TimeSpan.FromSeconds(elapsedBefore + clock.Elapsed.TotalSeconds);

        try
        {
            while (step < options.Steps)
            {
                var batches = new PretrainingBatch[accumulation];
                Array.Clear(agreement);
                agreement[0] = cancellationToken.IsCancellationRequested ? 1 : 0;
                for (int m = 0; m < accumulation; m++)
                {
                    batches[m] = loader.Next();
                    agreement[2 + 2 * m] = model.Masking.CountPredictions(batches[m].InputIds, batches[m].AttentionMask, seqLength); // host arrays: no sync
                    agreement[3 + 2 * m] = batches[m].AttentionMask.Sum();
                    agreement[1] += agreement[3 + 2 * m];
                }
                // One small collective per step: every rank learns whether any rank was asked to stop, and the global
                // batch's counts its losses are normalised by.
                communication.Start();
                mpi?.AllReduceSum(agreement, $"step {step + 1}: stop flag and batch counts");
                communication.Stop();
                if (agreement[0] > 0) break; // the batches just read are not trained on: position stays before them
                long tokens = (long)agreement[1];
                intervalTokens += tokens;
                tokensSeen += tokens;
                sessionTokens += tokens;

                using (var scope = NewDisposeScope())
                {
                    double rate = schedule.At(step);
                    for (int m = 0; m < accumulation; m++)
                    {
                        var (ids, mask, types) = ToTensors(batches[m], device);
                        batchRng.manual_seed((long)(DeterministicHash.Combine(options.Seed, step * accumulation + m) >> 1));
                        var global = new GlobalBatch(RowOffset: (long)rank * micro, Rows: (long)micro * ranks, ranks,
                            MaskedPositions: agreement[2 + 2 * m], Tokens: agreement[3 + 2 * m]);
                        StepMetrics result;
                        using (bf16 ? Autocast.Enable(ScalarType.BFloat16) : null)
                            result = model.Forward(ids, mask, types, batchRng, global: global);
                        (result.Loss / accumulation).backward();
                        var stats = Stack(result);
                        if (sums is null) sums = stats.MoveToOuterDisposeScope();
                        else sums.add_(stats);
                    }
                    communication.Start();
                    gradients?.AverageGradients(); // after every micro-batch's backward, before the step: all ranks take the same step
                    communication.Stop();
                    optimizer.Step(rate);
                    model.zero_grad();
                }
                FinalizedHandles.ReleaseAfterStep();
                position = batches[^1].Next;
                step++;
                intervalSteps++;

                bool last = step == options.Steps;
                if (step % options.LogEvery == 0 || last)
                {
                    var values = Summarize(sums!, intervalSteps * accumulation); // sync: log interval (and an all-reduce of the sums)
                    sums!.Dispose();
                    sums = null;
                    double seconds = interval.Elapsed.TotalSeconds;
                    values["lr"] = schedule.At(step - 1);
                    values["tokens_per_s"] = intervalTokens / seconds;
                    values["gflops_per_s"] = flopsPerStep * intervalSteps / seconds / 1e9;
                    values["tokens_seen"] = tokensSeen;
                    if (ranks > 1) values["communication_ms"] = communication.Elapsed.TotalMilliseconds / intervalSteps;
                    communication.Reset();
                    long skipped = optimizer.SkippedSteps.item<long>(); // sync: log interval
                    if (skipped > skippedSeen)
                    {
                        nonFiniteRun = skipped - skippedSeen == intervalSteps ? nonFiniteRun + intervalSteps : skipped - skippedSeen;
                        Report(ProgressKind.Notice, step, new(), Elapsed(), $"skipped {skipped - skippedSeen} step(s) with a non-finite loss or gradient (total {skipped})");
                        skippedSeen = skipped;
                        if (nonFiniteRun >= options.MaxNonFiniteSteps)
                            throw new InvalidOperationException($"the loss was not finite for {nonFiniteRun} consecutive steps (up to step {step}); " +
                                $"stopping. The last good checkpoint is {lastCheckpoint ?? "(none)"}; try a lower --lr.");
                    }
                    else nonFiniteRun = 0;
                    metrics?.Write(step, "train", values);
                    Report(ProgressKind.Train, step, values, Elapsed());
                    interval.Restart();
                    intervalTokens = 0;
                    intervalSteps = 0;
                }
                if (((options.EvalEvery > 0 && step % options.EvalEvery == 0) || last) && IsRoot)
                {
                    // Rank 0 alone evaluates; the others wait at the next step's collective.
                    validation = Evaluate(model, device);
                    if (validation.Count > 0)
                    {
                        metrics!.Write(step, "validation", validation);
                        Report(ProgressKind.Evaluation, step, validation, Elapsed());
                    }
                    interval.Restart(); // evaluation time is not training throughput
                }
                if (step % options.SaveEvery == 0 || last)
                    lastCheckpoint = Save(checkpoints, model, optimizer, new TrainerState(step, position, tokensSeen, Elapsed().TotalSeconds, ranks), metrics);
            }
            if (step < options.Steps && lastCheckpoint != Path.Combine(checkpoints, Checkpoint.Name(step)))
                lastCheckpoint = Save(checkpoints, model, optimizer, new TrainerState(step, position, tokensSeen, Elapsed().TotalSeconds, ranks), metrics);
        }
        finally
        {
            sums?.Dispose();
            batchRng.Dispose();
        }

        var modelDirs = new List<string>();
        if (step == options.Steps)
        {
            if (IsRoot) model.SaveModels(outputDir, tokenizerDir);
            modelDirs.AddRange(model is MaskedLanguageModel
                ? new[] { Path.Combine(outputDir, "mlm") }
                : new[] { Path.Combine(outputDir, "discriminator"), Path.Combine(outputDir, "generator") });
        }
        return new PretrainingResult(outputDir, step, step == options.Steps, lastCheckpoint, validation,
            sessionTokens / Math.Max(clock.Elapsed.TotalSeconds, 1e-9), modelDirs);
    }

    /// <summary>A collective: every rank calls it, rank 0 writes.</summary>
    string Save(string checkpoints, PretrainingObjective model, AdamWeightDecay optimizer, TrainerState state, MetricsLog? metrics)
    {
        string path = Checkpoint.Save(checkpoints, model, optimizer, state, options.KeepCheckpoints, mpi);
        if (metrics is null) return path;
        metrics.Plot(Path.Combine(outputDir, "training.png"), $"{options.Objective} {options.Preset} pre-training");
        Report(ProgressKind.Checkpoint, state.Step, new(), TimeSpan.FromSeconds(state.ElapsedSeconds), path);
        return path;
    }

    IReadOnlyDictionary<string, double> Evaluate(PretrainingObjective model, Device device)
    {
        var manifest = DatasetManifest.Read(datasetDir);
        if (manifest.Validation.Sequences == 0) return new Dictionary<string, double>();
        using var validation = new PretrainingLoader(datasetDir, new LoaderOptions
        {
            BatchSize = Math.Min(options.EffectiveBatchSize / options.GradientAccumulation, 64),
            Split = DatasetSplit.Validation,
            SinglePass = true,
        });
        return Evaluation.Run(model, validation, device, options.EvalBatches, options.Seed);
    }

    /// <summary>run.json guards an output folder against being reused by a different run.</summary>
    void PrepareOutput(bool resume, string vocabularyFingerprint)
    {
        Directory.CreateDirectory(outputDir);
        string runFile = Path.Combine(outputDir, "run.json");
        var identity = new Dictionary<string, string>
        {
            ["preset"] = options.Preset,
            ["objective"] = options.Objective.ToString(),
            ["sharing"] = options.Sharing.ToString(),
            ["batch_size"] = options.EffectiveBatchSize.ToString(),
            ["gradient_accumulation"] = options.GradientAccumulation.ToString(),
            ["seed"] = options.Seed.ToString(),
            ["dataset"] = RunFolder.DatasetKey(outputDir, datasetDir),
            ["vocabulary"] = vocabularyFingerprint,
        };
        if (options.InitFrom is not null) identity["init_from"] = Path.GetFullPath(options.InitFrom);
        if (File.Exists(runFile))
        {
            var previous = JsonSerializer.Deserialize<Dictionary<string, string>>(File.ReadAllText(runFile)) ?? new();
            if (!resume)
                throw new InvalidOperationException($"{outputDir} already holds a pre-training run ({runFile}); pass --resume to continue it, or choose another --out");
            var changed = identity.Where(kv => previous.GetValueOrDefault(kv.Key) != kv.Value)
                .Select(kv => $"{kv.Key}: {previous.GetValueOrDefault(kv.Key) ?? "(none)"} → {kv.Value}").ToList();
            if (changed.Count > 0)
                throw new InvalidOperationException($"cannot resume {outputDir} with different settings: {string.Join("; ", changed)}");
        }
        Interop.AtomicFile.WriteAllText(runFile, JsonSerializer.Serialize(identity, new JsonSerializerOptions { WriteIndented = true }));
    }

    /// <summary>[11]: loss, gen, disc, masked correct, sampled correct, masked count, disc correct, tokens, TP, predicted P, actual P.</summary>
    static Tensor Stack(StepMetrics m) => stack(new[]
    {
        m.Loss.detach(), m.GeneratorLoss, m.DiscriminatorLoss, m.MaskedCorrect, m.SampledCorrect, m.MaskedCount,
        m.DiscriminatorCorrect, m.TokenCount, m.TruePositives, m.PredictedPositives, m.ActualPositives,
    }.Select(t => t.to(ScalarType.Float32).reshape(1)).ToArray()).reshape(-1);

    /// <summary>The interval's metrics over all ranks: the sums of every rank's micro-batches, added up by one all-reduce.</summary>
    Dictionary<string, double> Summarize(Tensor sums, long microBatches)
    {
        var s = sums.to(ScalarType.Float64).cpu().data<double>().ToArray();
        mpi?.AllReduceSum(s, "training metrics of the log interval");
        // Each rank's losses are its share of the global batch's mean (GlobalBatch): the mean is their sum over ranks.
        double micro = Math.Max(1, microBatches) * ranks;
        var values = new Dictionary<string, double>
        {
            ["loss"] = s[0] / micro,
            ["gen_loss"] = s[1] / micro,
            ["disc_loss"] = s[2] / micro,
            ["mlm_accuracy"] = s[3] / Math.Max(s[5], 1),
            ["sampled_mlm_accuracy"] = s[4] / Math.Max(s[5], 1),
        };
        if (s[7] > 0 && s[10] + s[9] > 0)
        {
            values["disc_accuracy"] = s[6] / s[7];
            values["disc_precision"] = s[9] > 0 ? s[8] / s[9] : 0;
            values["disc_recall"] = s[10] > 0 ? s[8] / s[10] : 0;
        }
        return values;
    }

    void Report(ProgressKind kind, long step, Dictionary<string, double> values, TimeSpan elapsed, string? message = null)
    {
        if (IsRoot) progress?.Report(new TrainingProgress(kind, step, options.Steps, values, elapsed, message));
    }

    void Report(ProgressKind kind, long step, IReadOnlyDictionary<string, double> values, TimeSpan elapsed)
    {
        if (IsRoot) progress?.Report(new TrainingProgress(kind, step, options.Steps, values, elapsed));
    }
}
