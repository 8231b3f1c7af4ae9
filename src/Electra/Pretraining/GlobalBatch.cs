using static TorchSharp.torch;

namespace Electra.Pretraining;

/// <summary>
/// This rank's rows of a global batch that data-parallel ranks split between them, and the global totals its losses
/// are normalised by. With it, N ranks holding b rows each compute what one process computes on all N·b rows:
/// masking and the generator's samples draw their random numbers for all <see cref="Rows"/> rows, from a generator
/// seeded identically on every rank, and keep rows [<see cref="RowOffset"/>, <see cref="RowOffset"/> + b), so the
/// masks and samples of a sequence do not depend on how the batch is split; and each rank divides its loss sums by
/// the global count over <see cref="Ranks"/>, so the mean of the ranks' gradients is the gradient of the global-batch
/// mean (per-rank means would over-weight the rank with fewer masked positions).
/// </summary>
/// <remarks>
/// The price is that every rank draws the random numbers of the whole global batch: for masking [global B, T] and
/// for sampling [global B, N] (one number per slot) per micro-batch, N times a single rank's share. In one process
/// (the global batch is the local one) nothing extra is drawn.
/// </remarks>
/// <param name="RowOffset">Index of this rank's first row in the global batch.</param>
/// <param name="Rows">Rows of the global batch, all ranks together.</param>
/// <param name="Ranks">Ranks sharing the batch (the gradient all-reduce divides by it).</param>
/// <param name="MaskedPositions">Masked positions of the global batch (<see cref="Masking.CountPredictions"/> summed over ranks).</param>
/// <param name="Tokens">Non-padding tokens of the global batch.</param>
internal sealed record GlobalBatch(long RowOffset, long Rows, int Ranks, double MaskedPositions, double Tokens)
{
    /// <summary>What this rank divides its sum over masked positions by: the global count / ranks (+1e-6 as google, so an empty batch gives 0).</summary>
    public double MaskedDivisor => (MaskedPositions + 1e-6) / Ranks;

    /// <summary>What this rank divides its sum over tokens by: the global token count / ranks.</summary>
    public double TokenDivisor => (Tokens + 1e-6) / Ranks;

    /// <summary>
    /// Draws a [rows, …] tensor with <paramref name="draw"/>: without a global batch for <paramref name="localRows"/>
    /// rows; with one for all its rows, of which this rank's are kept: [localRows, …].
    /// </summary>
    internal static Tensor Draw(GlobalBatch? global, long localRows, Func<long, Tensor> draw)
    {
        if (global is null) return draw(localRows);
        if (global.RowOffset < 0 || global.RowOffset + localRows > global.Rows)
            throw new ArgumentException($"rows [{global.RowOffset}, {global.RowOffset + localRows}) of this rank lie outside the global batch of {global.Rows} rows");
        using var scope = NewDisposeScope();
        return draw(global.Rows).narrow(0, global.RowOffset, localRows).MoveToOuterDisposeScope(); // [localRows, …] this rank's rows
    }
}
