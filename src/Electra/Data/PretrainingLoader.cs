using System.Diagnostics.CodeAnalysis;
using System.Threading.Channels;

namespace Electra.Data;

/// <summary>Options of <see cref="PretrainingLoader"/>.</summary>
internal sealed record LoaderOptions
{
    /// <summary>Sequences per batch on this rank. 128, ELECTRA-Small's train_batch_size.</summary>
    public int BatchSize { get; init; } = 128;

    /// <summary>The split to read. Train.</summary>
    public DatasetSplit Split { get; init; } = DatasetSplit.Train;

    /// <summary>
    /// Off (training): epochs repeat forever, each in its own shuffled order, and an epoch's last incomplete global
    /// batch is dropped so every step has exactly <see cref="BatchSize"/> × <see cref="WorldSize"/> sequences.
    /// On (evaluation): one pass over the split in stored order, the last batch possibly smaller.
    /// </summary>
    public bool SinglePass { get; init; }

    /// <summary>Seed of the shuffles: epoch e uses a permutation derived from (seed, e). 0.</summary>
    public int Seed { get; init; }

    /// <summary>This process's rank in data-parallel training. 0.</summary>
    public int Rank { get; init; }

    /// <summary>Number of data-parallel ranks. 1.</summary>
    public int WorldSize { get; init; } = 1;

    /// <summary>Batches prepared ahead on the background thread. 4.</summary>
    public int PrefetchBatches { get; init; } = 4;

    /// <summary>Pad each batch to its longest sequence instead of max_seq_length. Off: fixed shapes.</summary>
    public bool PadToLongest { get; init; }

    /// <summary>Throws <see cref="ArgumentException"/> naming the bad field.</summary>
    public void Validate()
    {
        if (BatchSize < 1) throw new ArgumentException($"batch size must be positive, got {BatchSize}");
        if (WorldSize < 1) throw new ArgumentException($"world size must be positive, got {WorldSize}");
        if (Rank < 0 || Rank >= WorldSize) throw new ArgumentException($"rank {Rank} is outside [0, {WorldSize})");
        if (PrefetchBatches < 1) throw new ArgumentException($"prefetch must be at least 1 batch, got {PrefetchBatches}");
    }
}

/// <summary>
/// Where the loader stands: the epoch and how many sequences of that epoch's order all ranks together have
/// consumed. Serializable (System.Text.Json) so a checkpoint can resume at the exact batch; it does not depend on
/// the rank, so every rank saves the same value.
/// </summary>
/// <param name="Epoch">0-based epoch.</param>
/// <param name="Sequence">Sequences of the epoch's order already consumed, all ranks together.</param>
public sealed record LoaderPosition(int Epoch, long Sequence)
{
    /// <summary>The start of training.</summary>
    public static LoaderPosition Start { get; } = new(0, 0);
}

/// <summary>
/// One batch, row-major B×L arrays ready for <c>torch.tensor(…, [B, L])</c>.
/// </summary>
/// <param name="BatchSize">B, rows.</param>
/// <param name="SequenceLength">L, columns.</param>
/// <param name="InputIds">Token ids, padded with [PAD].</param>
/// <param name="TokenTypeIds">0 up to and including the first [SEP], 1 after it (segment B), 0 on padding.</param>
/// <param name="AttentionMask">1 on tokens, 0 on padding.</param>
/// <param name="Position">Where this batch starts.</param>
/// <param name="Next">Where the batch after it starts: save this with a checkpoint taken after the step.</param>
public sealed record PretrainingBatch(
    int BatchSize, int SequenceLength, long[] InputIds, long[] TokenTypeIds, long[] AttentionMask,
    LoaderPosition Position, LoaderPosition Next);

/// <summary>
/// Batches of one split of a dataset folder, memory-mapped and prepared on a background thread (a bounded channel
/// of <see cref="LoaderOptions.PrefetchBatches"/>), so a training step does not wait on I/O.
/// </summary>
/// <remarks>
/// Training order: epoch e is a permutation of all sequences (across shards) seeded by (seed, e). A step takes the
/// next <c>BatchSize × WorldSize</c> positions of it; rank r takes the r-th block of <c>BatchSize</c>, so N ranks
/// with batch b see exactly the sequences one rank with batch N·b sees. Resuming from a <see cref="LoaderPosition"/>
/// yields the same following batches as an uninterrupted run (with the same batch size and world size).
/// Dynamic masking is not done here: the trainer masks each batch.
/// </remarks>
internal sealed class PretrainingLoader : IDisposable
{
    readonly PretrainingDataset dataset;
    readonly LoaderOptions options;
    readonly Channel<PretrainingBatch> channel;
    readonly CancellationTokenSource stop = new();
    readonly Task producer;
    bool disposed;

    /// <summary>Opens the dataset in <paramref name="folder"/> and starts prefetching from <paramref name="start"/> (the beginning when null).</summary>
    public PretrainingLoader(string folder, LoaderOptions options, LoaderPosition? start = null)
    {
        options.Validate();
        this.options = options;
        Position = start ?? LoaderPosition.Start;
        if (Position.Epoch < 0 || Position.Sequence < 0) throw new ArgumentException($"invalid loader position {Position}");
        dataset = PretrainingDataset.Open(folder, options.Split);
        long globalBatch = (long)options.BatchSize * options.WorldSize;
        StepsPerEpoch = options.SinglePass ? (dataset.Count + globalBatch - 1) / globalBatch : dataset.Count / globalBatch;
        if (!options.SinglePass && StepsPerEpoch == 0)
        {
            dataset.Dispose();
            throw new InvalidDataException(
                $"the {options.Split} split of {folder} has {dataset.Count} sequences, fewer than one global batch ({options.BatchSize} × {options.WorldSize} ranks)");
        }
        if (dataset.Count > Array.MaxLength)
        {
            dataset.Dispose();
            throw new InvalidDataException($"the {options.Split} split has {dataset.Count} sequences; the loader's permutation holds at most {Array.MaxLength}");
        }
        Position = Normalize(Position, dataset.Count);
        channel = Channel.CreateBounded<PretrainingBatch>(new BoundedChannelOptions(options.PrefetchBatches)
        {
            SingleReader = true,
            SingleWriter = true,
        });
        producer = Task.Run(() => Produce(Position, stop.Token));
    }

    /// <summary>The dataset's manifest (vocabulary, special ids, counts).</summary>
    public DatasetManifest Manifest => dataset.Manifest;

    /// <summary>Steps per epoch (training: full global batches only; single pass: all batches).</summary>
    public long StepsPerEpoch { get; }

    /// <summary>Where the next batch <see cref="TryNext"/> returns starts.</summary>
    public LoaderPosition Position { get; private set; }

    /// <summary>The next batch; false only at the end of a single pass. Rethrows a failure of the background thread.</summary>
    public bool TryNext([NotNullWhen(true)] out PretrainingBatch? batch)
    {
        ObjectDisposedException.ThrowIf(disposed, this);
        var reader = channel.Reader;
        while (!reader.TryRead(out batch))
        {
            // sync: blocks only when the producer is behind; WaitToReadAsync rethrows the producer's exception.
            if (!reader.WaitToReadAsync().AsTask().GetAwaiter().GetResult()) return false;
        }
        Position = batch.Next;
        return true;
    }

    /// <summary>The next batch of a training (endless) loader.</summary>
    public PretrainingBatch Next() =>
        TryNext(out var batch) ? batch : throw new InvalidOperationException("the single pass over the split is finished");

    async Task Produce(LoaderPosition position, CancellationToken cancellationToken)
    {
        Exception? failure = null;
        try
        {
            int epoch = position.Epoch;
            int[] order = Order(epoch);
            long globalBatch = (long)options.BatchSize * options.WorldSize;
            while (!options.SinglePass || position.Sequence < order.Length)
            {
                if (position.Epoch != epoch) order = Order(epoch = position.Epoch);
                long from = Math.Min(position.Sequence + (long)options.Rank * options.BatchSize, order.Length);
                long to = Math.Min(from + options.BatchSize, order.Length);
                var next = Normalize(position with { Sequence = position.Sequence + globalBatch }, order.Length);
                // A rank whose block of the last single-pass step is empty has nothing to contribute.
                if (to > from) await channel.Writer.WriteAsync(Build(order.AsSpan((int)from, (int)(to - from)), position, next), cancellationToken);
                position = next;
            }
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
        }
        catch (Exception e)
        {
            failure = e;
        }
        channel.Writer.TryComplete(failure);
    }

    /// <summary>In training, a position without a full global batch left in its epoch is the start of the next epoch.</summary>
    LoaderPosition Normalize(LoaderPosition position, long count) =>
        !options.SinglePass && position.Sequence + (long)options.BatchSize * options.WorldSize > count
            ? new LoaderPosition(position.Epoch + 1, 0)
            : position;

    /// <summary>Epoch <paramref name="epoch"/>'s order: stored order for a single pass, else a seeded Fisher–Yates shuffle.</summary>
    int[] Order(int epoch)
    {
        var order = new int[dataset.Count];
        for (int i = 0; i < order.Length; i++) order[i] = i;
        if (!options.SinglePass) new Random(DeterministicHash.Seed(options.Seed, epoch)).Shuffle(order);
        return order;
    }

    PretrainingBatch Build(ReadOnlySpan<int> sequences, LoaderPosition position, LoaderPosition next)
    {
        var manifest = dataset.Manifest;
        int rows = sequences.Length;
        int length = manifest.MaxSeqLength;
        if (options.PadToLongest)
        {
            length = 0;
            foreach (int s in sequences) length = Math.Max(length, dataset.Length(s));
        }
        var inputIds = new long[rows * length];
        var tokenTypes = new long[rows * length];
        var mask = new long[rows * length];
        Array.Fill(inputIds, manifest.PadId);
        for (int r = 0; r < rows; r++)
        {
            var row = inputIds.AsSpan(r * length, length);
            int used = dataset.CopyTo(sequences[r], row);
            int firstSep = row[..used].IndexOf(manifest.SepId);
            if (firstSep >= 0) tokenTypes.AsSpan(r * length + firstSep + 1, used - firstSep - 1).Fill(1);
            mask.AsSpan(r * length, used).Fill(1);
        }
        return new PretrainingBatch(rows, length, inputIds, tokenTypes, mask, position, next);
    }

    /// <summary>Stops the background thread and unmaps the shards.</summary>
    public void Dispose()
    {
        if (disposed) return;
        disposed = true;
        stop.Cancel();
        // Drain so a producer blocked on a full channel sees the cancellation promptly.
        while (channel.Reader.TryRead(out _)) { }
        producer.Wait(); // Produce never faults: failures go into the channel
        stop.Dispose();
        dataset.Dispose();
    }
}
