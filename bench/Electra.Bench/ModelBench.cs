using Electra.Data;
using Electra.Modeling;
using Electra.Optimization;
using Electra.Pretraining;
using Electra.Training;
using TorchSharp;
using static TorchSharp.torch;

namespace Electra.Bench;

/// <summary>
/// Pre-training steps and discriminator inference on random full-length batches (<c>[CLS] … [SEP]</c>, no
/// padding), the same inputs the PyTorch peer's <c>bench</c> times.
/// </summary>
static class ModelBench
{
    /// <summary>First id that is not a special token in the peer's synthetic vocabulary ([PAD], [UNK], [CLS], [SEP], [MASK]).</summary>
    public const int FirstRegularId = 5;

    /// <summary>Times joint training steps (forward, backward, AdamW) of <paramref name="preset"/>; MFU against <paramref name="ceilingGflops"/>.</summary>
    public static Row Pretrain(ElectraPreset preset, int batch, int seq, TrainingDevice device, int warmup, int steps, double? ceilingGflops)
    {
        Memory.ResetPeak();
        using var step = new TrainingStep(preset, batch, seq, device);
        var timing = Timing.Measure(step.Run, warmup, steps);
        double flops = step.FlopsPerStep;
        double gflops = flops / timing.Median / 1e9;
        var extra = new Dictionary<string, object> { ["flops_per_step"] = flops, ["preset"] = preset.Name, ["batch"] = batch, ["seq"] = seq };
        if (ceilingGflops is { } c) extra["mfu"] = gflops / c;
        return new Row($"pretrain/{preset.Name}/b{batch}/s{seq}", batch * seq / timing.Median, timing.Median * 1e3, gflops, Memory.PeakRssMb(), timing, extra);
    }

    /// <summary>Times the discriminator's forward pass in eval mode under no_grad.</summary>
    public static Row Inference(ElectraPreset preset, int batch, int seq, Device device, int warmup, int steps, double? ceilingGflops)
    {
        Memory.ResetPeak();
        torch.manual_seed(0);
        using var discriminator = new ElectraForPreTraining(preset.Discriminator);
        discriminator.to(device).eval();
        var (ids, mask, types) = RandomBatch(preset.Discriminator.VocabSize, batch, seq, device, seed: 0);
        var timing = Timing.Measure(() =>
        {
            using var scope = NewDisposeScope();
            using var noGrad = no_grad();
            var logits = discriminator.call(ids, mask, types);
            Synchronize(logits);
        }, warmup, steps);
        double flops = FlopCounter.Encoder(preset.Discriminator, batch, seq) + FlopCounter.DiscriminatorHead(preset.Discriminator, (long)batch * seq);
        double gflops = flops / timing.Median / 1e9;
        var extra = new Dictionary<string, object>
        {
            ["runtime"] = "torchsharp", ["flops_per_step"] = flops, ["preset"] = preset.Name, ["batch"] = batch, ["seq"] = seq,
            ["model_mb"] = discriminator.parameters().Sum(p => p.numel()) * 4 / 1e6, ["runtime_disk_mb"] = OnnxBench.RuntimeDiskMb(onnx: false),
        };
        if (ceilingGflops is { } c) extra["mfu"] = gflops / c;
        ids.Dispose();
        mask.Dispose();
        types.Dispose();
        return new Row($"inference/{preset.Name}/b{batch}/s{seq}", batch * seq / timing.Median, timing.Median * 1e3, gflops, Memory.PeakRssMb(), timing, extra);
    }

    /// <summary>ids uniform over regular tokens with [CLS] first and [SEP] last, mask all ones, token types 0: [B, L] each.</summary>
    public static (Tensor Ids, Tensor Mask, Tensor Types) RandomBatch(int vocabSize, int batch, int seq, Device device, long seed)
    {
        var host = RandomBatch(vocabSize, batch, seq, seed);
        return PretrainingStep.ToTensors(host, device);
    }

    /// <summary>The same batch as the loader hands it to the trainer (host arrays).</summary>
    public static PretrainingBatch RandomBatch(int vocabSize, int batch, int seq, long seed)
    {
        using var rng = new Generator((ulong)seed);
        using var ids = randint(FirstRegularId, vocabSize, new long[] { batch, seq }, dtype: ScalarType.Int64, generator: rng); // [B, L]
        ids[TensorIndex.Colon, 0] = SpecialTokens.Default.Cls;
        ids[TensorIndex.Colon, -1] = SpecialTokens.Default.Sep;
        long n = (long)batch * seq;
        return new PretrainingBatch(batch, seq, ids.data<long>().ToArray(), new long[n], Enumerable.Repeat(1L, (int)n).ToArray(), LoaderPosition.Start, LoaderPosition.Start);
    }

    /// <summary>Waits for queued device work (CUDA is asynchronous; CPU ops have finished when they return).</summary>
    public static void Synchronize(Tensor t)
    {
        if (t.device.type == DeviceType.CUDA) torch.cuda.synchronize(t.device);
    }
}

/// <summary>
/// The trainer's own <see cref="PretrainingStep"/> (agreement, masking, forward, backward, clipped AdamW update, metric
/// sums, one dispose scope) on a few pre-made full-length batches in rotation, with the preset's objective and optimizer.
/// </summary>
sealed class TrainingStep : IDisposable
{
    readonly PretrainingObjective model;
    readonly AdamWeightDecay optimizer;
    readonly PretrainingStep step;
    readonly PretrainingBatch[] batches;
    readonly double rate;
    long next;

    /// <summary>Builds the objective of <paramref name="preset"/> (paper defaults, seed 0) on <paramref name="device"/>.</summary>
    public TrainingStep(ElectraPreset preset, int batch, int seq, TrainingDevice device)
    {
        if (seq > preset.Discriminator.MaxPositionEmbeddings)
            throw new ArgumentException($"--seq {seq} exceeds the {preset.Name} preset's max_position_embeddings {preset.Discriminator.MaxPositionEmbeddings}");
        var options = new PretrainingOptions { Preset = preset, BatchSize = batch, Seed = 0, Steps = 1_000_000 };
        torch.manual_seed(0);
        model = options.CreateObjective(preset.Discriminator.VocabSize, SpecialTokens.Default);
        model.to(device.Device).train();
        optimizer = options.CreateOptimizer(model);
        step = new PretrainingStep(model, optimizer, device, options.Seed);
        batches = Enumerable.Range(0, 4).Select(i => ModelBench.RandomBatch(preset.Discriminator.VocabSize, batch, seq, seed: i)).ToArray();
        FlopsPerStep = model.TrainingFlops(batch, seq);
        rate = preset.LearningRate;
    }

    /// <summary>Analytic training FLOPs of one step.</summary>
    public double FlopsPerStep { get; }

    /// <summary>One optimizer step (at the preset's peak rate: the schedule does not change the cost), waited for.</summary>
    public void Run()
    {
        step.Run(next, rate, [batches[next % batches.Length]]);
        next++;
        if (step.Metrics.Count >= 100) step.Metrics.Read(model.HasDiscriminator); // keeps the device sums from growing stale; a sync, rarely
        ModelBench.Synchronize(optimizer.SkippedSteps);
    }

    /// <summary>Frees the step, the optimizer state and the model.</summary>
    public void Dispose()
    {
        step.Dispose();
        optimizer.Dispose();
        model.Dispose();
    }
}
