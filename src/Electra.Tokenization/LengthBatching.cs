namespace Electra.Tokenization;

/// <summary>
/// The order in which encoded texts of mixed lengths go through a model, so that batches padded to their longest
/// (<see cref="BatchEncoding.Pad"/>) carry little padding. Inference sorts by length (HF pipelines and serving stacks
/// do the same) and callers put each result back at its input index; training groups by length HF Trainer's way.
/// </summary>
public static class LengthBatching
{
    /// <summary>
    /// Indices 0..n−1 in batches of at most <paramref name="batchSize"/>, shortest first (a stable sort: equal lengths
    /// keep their input order). Padding does not change a row's results (the attention mask hides it), so a caller
    /// that writes each result back at its index produces exactly what input-order batches would.
    /// </summary>
    /// <param name="lengths">Each text's length in tokens (its row before padding).</param>
    /// <param name="batchSize">Rows per batch, ≥ 1.</param>
    public static IEnumerable<int[]> Batches(IReadOnlyList<int> lengths, int batchSize)
    {
        ArgumentNullException.ThrowIfNull(lengths);
        if (batchSize < 1) throw new ArgumentOutOfRangeException(nameof(batchSize), batchSize, "must be ≥ 1");
        return Enumerable.Range(0, lengths.Count).OrderBy(i => lengths[i]).Chunk(batchSize);
    }

    /// <summary>
    /// A training epoch's order grouped by length, HF Trainer's <c>group_by_length</c> (<c>LengthGroupedSampler</c>):
    /// <paramref name="shuffled"/> (the epoch's random order) is cut into megabatches of
    /// min(n / (4 × <paramref name="batchSize"/>), 50) batches (at least one), each sorted longest first, and the
    /// longest text overall is swapped to the very front so the first batch is the largest (an out-of-memory error
    /// shows at once). Batches then hold texts of similar length: less padding, a different batch composition.
    /// </summary>
    /// <param name="lengths">Each training example's length in tokens.</param>
    /// <param name="shuffled">A permutation of 0..n−1 (the epoch's shuffle).</param>
    /// <param name="batchSize">Rows per training batch, ≥ 1.</param>
    public static int[] GroupByLength(IReadOnlyList<int> lengths, IReadOnlyList<int> shuffled, int batchSize)
    {
        ArgumentNullException.ThrowIfNull(lengths);
        ArgumentNullException.ThrowIfNull(shuffled);
        if (batchSize < 1) throw new ArgumentOutOfRangeException(nameof(batchSize), batchSize, "must be ≥ 1");
        if (shuffled.Count != lengths.Count) throw new ArgumentException($"an order of {shuffled.Count} indices for {lengths.Count} lengths", nameof(shuffled));
        int megabatch = Math.Max(1, Math.Min(lengths.Count / (batchSize * 4), 50)) * batchSize;
        var megabatches = shuffled.Chunk(megabatch).Select(m => m.OrderByDescending(i => lengths[i]).ToArray()).ToArray();
        if (megabatches.Length == 0) return [];
        int longest = 0;
        for (int m = 1; m < megabatches.Length; m++)
            if (lengths[megabatches[m][0]] > lengths[megabatches[longest][0]]) longest = m;
        (megabatches[0][0], megabatches[longest][0]) = (megabatches[longest][0], megabatches[0][0]);
        return megabatches.SelectMany(m => m).ToArray();
    }
}
