using Electra.Modeling;
using Electra.Native;
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
    public static Row Pretrain(ElectraPreset preset, int batch, int seq, Device device, int warmup, int steps, double? ceilingGflops)
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
        using var rng = new Generator((ulong)seed);
        var ids = randint(FirstRegularId, vocabSize, new long[] { batch, seq }, dtype: ScalarType.Int64, generator: rng); // [B, L]
        ids[TensorIndex.Colon, 0] = SpecialTokens.Default.Cls;
        ids[TensorIndex.Colon, -1] = SpecialTokens.Default.Sep;
        return (ids.to(device), ones(batch, seq, dtype: ScalarType.Int64, device: device), zeros(batch, seq, dtype: ScalarType.Int64, device: device));
    }

    /// <summary>Waits for queued device work (CUDA is asynchronous; CPU ops have finished when they return).</summary>
    public static void Synchronize(Tensor t)
    {
        if (t.device.type == DeviceType.CUDA) torch.cuda.synchronize(t.device);
    }
}

/// <summary>
/// One trainer step as <see cref="Trainer"/> runs it: a dispose scope, the joint objective's forward, backward,
/// the flattened AdamW update and zeroed gradients, with no host sync. Batches rotate through a few pre-made ones.
/// </summary>
sealed class TrainingStep : IDisposable
{
    readonly ReplacedTokenDetection model;
    readonly AdamWeightDecay optimizer;
    readonly (Tensor Ids, Tensor Mask, Tensor Types)[] batches;
    readonly bool bf16;
    int next;

    /// <summary>Builds the objective of <paramref name="preset"/> (paper defaults, seed 0) on <paramref name="device"/>.</summary>
    public TrainingStep(ElectraPreset preset, int batch, int seq, Device device)
    {
        if (seq > preset.Discriminator.MaxPositionEmbeddings)
            throw new ArgumentException($"--seq {seq} exceeds the {preset.Name} preset's max_position_embeddings {preset.Discriminator.MaxPositionEmbeddings}");
        torch.manual_seed(0);
        model = ReplacedTokenDetection.FromPreset(preset, SpecialTokens.Default);
        model.to(device).train();
        var options = new OptimizerOptions { LearningRate = preset.LearningRate };
        optimizer = new AdamWeightDecay(AdamWeightDecay.DefaultGroups(model, options.WeightDecay), options);
        batches = Enumerable.Range(0, 4).Select(i => ModelBench.RandomBatch(preset.Discriminator.VocabSize, batch, seq, device, seed: i)).ToArray();
        bf16 = device.type == DeviceType.CUDA;
        FlopsPerStep = model.TrainingFlops(batch, seq);
        Rate = preset.LearningRate;
    }

    /// <summary>Analytic training FLOPs of one step.</summary>
    public double FlopsPerStep { get; }

    /// <summary>The learning rate every step uses (the schedule does not change the cost).</summary>
    public double Rate { get; }

    /// <summary>One optimizer step.</summary>
    public void Run()
    {
        using (NewDisposeScope())
        {
            var (ids, mask, types) = batches[next++ % batches.Length];
            StepMetrics metrics;
            using (bf16 ? Autocast.Enable(ScalarType.BFloat16) : null)
                metrics = model.Forward(ids, mask, types);
            metrics.Loss.backward();
            optimizer.Step(Rate);
            model.zero_grad();
            ModelBench.Synchronize(metrics.Loss);
        }
        FinalizedHandles.ReleaseAfterStep(); // as the trainer does
    }

    /// <summary>Frees the model, optimizer state and batches.</summary>
    public void Dispose()
    {
        foreach (var (ids, mask, types) in batches)
        {
            ids.Dispose();
            mask.Dispose();
            types.Dispose();
        }
        optimizer.Dispose();
        model.Dispose();
    }
}
