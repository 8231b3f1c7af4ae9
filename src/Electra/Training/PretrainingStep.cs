using System.Diagnostics;
using Electra.Data;
using Electra.Distributed;
using Electra.Modeling;
using Electra.Native;
using Electra.Optimization;
using Electra.Pretraining;
using static TorchSharp.torch;

namespace Electra.Training;

/// <summary>What one <see cref="PretrainingStep.Run"/> did.</summary>
/// <param name="Stopped">A rank was asked to stop: nothing was trained and the batches stay unread.</param>
/// <param name="Tokens">Non-padding tokens of the global batch trained on (all ranks, all micro-batches).</param>
public sealed record StepOutcome(bool Stopped, long Tokens);

/// <summary>
/// One pre-training optimizer step, the one the trainer, the benchmark and the experiment's calibration all run: one
/// small collective in which the ranks agree on stopping and on the global batch's counts, then per micro-batch the
/// dynamic masking and the objective's forward (bf16 autocast on request), backward of the loss / accumulation, the
/// metrics added on the device; then the gradient all-reduce, <see cref="AdamWeightDecay.Step"/> (global-norm
/// clipping, a step with a non-finite gradient skipped) and zeroed gradients. One dispose scope; no host sync.
/// </summary>
/// <remarks>
/// Masking and the generator's samples draw from one generator reseeded from (seed, step, micro-batch) identically on
/// every rank, so a step is a function of its index, not of the steps before it (exact resume); dropout draws from
/// the global generator.
/// </remarks>
public sealed class PretrainingStep : IDisposable
{
    readonly PretrainingObjective model;
    readonly AdamWeightDecay optimizer;
    readonly Device device;
    readonly int seed;
    readonly bool bf16;
    readonly Mpi? mpi;
    readonly int rank, ranks;
    readonly GradientAllReduce? gradients;
    readonly Generator batchRng;

    /// <summary>Prepares the step of <paramref name="model"/> (already on <paramref name="device"/>'s device) and its optimizer.</summary>
    /// <param name="model">The objective trained.</param>
    /// <param name="optimizer">Its optimizer.</param>
    /// <param name="device">Where the batches go, and whether the forward pass runs under bf16 autocast.</param>
    /// <param name="seed">The run's seed (masking and sampling streams derive from it).</param>
    /// <param name="mpi">The data-parallel job; null or a world of 1 trains alone.</param>
    public PretrainingStep(PretrainingObjective model, AdamWeightDecay optimizer, TrainingDevice device, int seed, Mpi? mpi = null)
    {
        this.model = model;
        this.optimizer = optimizer;
        this.device = device.Device;
        this.seed = seed;
        bf16 = device.Bf16;
        this.mpi = mpi;
        rank = mpi?.Rank ?? 0;
        ranks = mpi?.Size ?? 1;
        gradients = ranks > 1 ? new GradientAllReduce(mpi!, model.UniqueNamedParameters().Select(p => p.Parameter)) : null;
        batchRng = new Generator((ulong)seed, this.device);
    }

    /// <summary>The metrics of the steps run since they were last read.</summary>
    internal MetricSums Metrics { get; } = new();

    /// <summary>Time spent in collectives (agreement and gradient all-reduce) since it was last reset.</summary>
    internal Stopwatch Communication { get; } = new();

    /// <summary>A loader batch as [B, L] int64 tensors on <paramref name="device"/>.</summary>
    internal static (Tensor Ids, Tensor Mask, Tensor Types) ToTensors(PretrainingBatch batch, Device device)
    {
        long[] shape = { batch.BatchSize, batch.SequenceLength };
        return (tensor(batch.InputIds, shape).to(device), tensor(batch.AttentionMask, shape).to(device), tensor(batch.TokenTypeIds, shape).to(device));
    }

    /// <summary>
    /// Optimizer step <paramref name="step"/> (0-based) at learning rate <paramref name="rate"/> on this rank's
    /// micro-batches (one per accumulation step, each this rank's share of a global micro-batch). In a data-parallel
    /// job every rank calls it; when any rank passes <paramref name="stopRequested"/>, none trains.
    /// </summary>
    public StepOutcome Run(long step, double rate, IReadOnlyList<PretrainingBatch> batches, bool stopRequested = false)
    {
        int accumulation = batches.Count;
        // One small collective per step: every rank learns whether any rank was asked to stop, and the global batch's
        // counts its losses are normalised by: stop flag, tokens, then (masked positions, tokens) per micro-batch.
        var agreement = new double[2 + 2 * accumulation];
        agreement[0] = stopRequested ? 1 : 0;
        for (int m = 0; m < accumulation; m++)
        {
            var b = batches[m];
            agreement[2 + 2 * m] = model.Masking.CountPredictions(b.InputIds, b.AttentionMask, b.SequenceLength); // host arrays: no sync
            agreement[3 + 2 * m] = b.AttentionMask.Sum();
            agreement[1] += agreement[3 + 2 * m];
        }
        Communication.Start();
        mpi?.AllReduceSum(agreement, $"step {step + 1}: stop flag and batch counts");
        Communication.Stop();
        if (agreement[0] > 0) return new StepOutcome(true, 0);

        using (var scope = NewDisposeScope())
        {
            for (int m = 0; m < accumulation; m++)
            {
                var (ids, mask, types) = ToTensors(batches[m], device);
                int micro = batches[m].BatchSize;
                batchRng.manual_seed((long)(DeterministicHash.Combine(seed, step * accumulation + m) >> 1));
                var global = new GlobalBatch(RowOffset: (long)rank * micro, Rows: (long)micro * ranks, ranks,
                    MaskedPositions: agreement[2 + 2 * m], Tokens: agreement[3 + 2 * m]);
                StepMetrics result;
                using (bf16 ? Autocast.Enable(ScalarType.BFloat16) : null)
                    result = model.Forward(ids, mask, types, batchRng, global: global);
                (result.Loss / accumulation).backward();
                Metrics.Add(result);
            }
            Communication.Start();
            gradients?.AverageGradients(); // after every micro-batch's backward, before the step: all ranks take the same step
            Communication.Stop();
            optimizer.Step(rate);
            model.zero_grad();
        }
        FinalizedHandles.ReleaseAfterStep();
        return new StepOutcome(false, (long)agreement[1]);
    }

    /// <summary>Frees the all-reduce buffers, the generator and the metric sums (not the model or the optimizer).</summary>
    public void Dispose()
    {
        gradients?.Dispose();
        batchRng.Dispose();
        Metrics.Dispose();
    }
}
