using Electra.Data;
using static Electra.Testing.DataTestKit;

namespace Electra.Tests.Data;

public class PretrainingLoaderTests : IDisposable
{
    readonly DataTestKit kit = new();
    readonly string folder;
    readonly DatasetManifest manifest;
    const int L = 32;

    public PretrainingLoaderTests()
    {
        string corpus = kit.Write("c.txt", Text(Documents(seed: 8, documents: 120, maxSentences: 8, maxSentence: 12)));
        folder = kit.PathOf("ds");
        manifest = DatasetBuilder.Build([corpus], folder, Encode, Vocabulary(60000),
            new DatasetBuildOptions { Packing = new PackingOptions { MaxSequenceLength = L }, ValidationFraction = 0.1, ShardTokens = 500 });
    }

    public void Dispose() => kit.Dispose();

    /// <summary>Each row as its real tokens, e.g. "1 10 11 2 12 2".</summary>
    static string[] Rows(PretrainingBatch b) =>
        Enumerable.Range(0, b.BatchSize)
            .Select(r => string.Join(' ', b.InputIds.Skip(r * b.SequenceLength).Take(b.SequenceLength).Where((_, i) => b.AttentionMask[r * b.SequenceLength + i] == 1)))
            .ToArray();

    static List<PretrainingBatch> Take(PretrainingLoader loader, int n) => Enumerable.Range(0, n).Select(_ => loader.Next()).ToList();

    [Fact]
    public void Batches_are_padded_with_segment_ids_and_mask()
    {
        using var dataset = PretrainingDataset.Open(folder);
        using var loader = new PretrainingLoader(folder, new LoaderOptions { BatchSize = 8, PrefetchBatches = 2 });
        foreach (var b in Take(loader, 20))
        {
            Assert.Equal((8, L), (b.BatchSize, b.SequenceLength));
            Assert.Equal(8 * L, b.InputIds.Length);
            for (int r = 0; r < 8; r++)
            {
                var ids = b.InputIds.AsSpan(r * L, L);
                var types = b.TokenTypeIds.AsSpan(r * L, L);
                var mask = b.AttentionMask.AsSpan(r * L, L);
                int n = mask.IndexOf(0L) < 0 ? L : mask.IndexOf(0L);
                Assert.True(mask[n..].IndexOfAnyExcept(0L) < 0, "mask is 1 then 0");
                Assert.True(ids[n..].IndexOfAnyExcept((long)Pad) < 0, "padding is [PAD]");
                Assert.Equal(Cls, ids[0]);
                Assert.Equal(Sep, ids[n - 1]);
                int firstSep = ids.IndexOf((long)Sep);
                for (int i = 0; i < L; i++) Assert.Equal(i > firstSep && i < n ? 1 : 0, types[i]);
            }
        }
    }

    [Fact]
    public void Order_is_deterministic_for_a_seed_and_reshuffled_each_epoch()
    {
        var options = new LoaderOptions { BatchSize = 4, Seed = 3 };
        using var a = new PretrainingLoader(folder, options);
        using var b = new PretrainingLoader(folder, options);
        using var other = new PretrainingLoader(folder, options with { Seed = 4 });
        long steps = a.StepsPerEpoch;
        var epoch0 = Take(a, (int)steps).SelectMany(Rows).ToList();
        var epoch1 = Take(a, (int)steps).SelectMany(Rows).ToList();
        Assert.Equal(epoch0, Take(b, (int)steps).SelectMany(Rows).ToList());
        Assert.NotEqual(epoch0, Take(other, (int)steps).SelectMany(Rows).ToList());
        Assert.NotEqual(epoch0, epoch1);
        Assert.Equal(new LoaderPosition(2, 0), a.Position);
        // An epoch visits distinct sequences (all but the dropped remainder of the last global batch).
        Assert.Equal(steps * 4, epoch0.Count);
        Assert.Equal(manifest.Train.Sequences - manifest.Train.Sequences % 4, steps * 4);
        Assert.Equal(epoch0.Count, epoch0.Distinct().Count() + DuplicateRows());
    }

    /// <summary>Identical packed rows in the dataset (possible for tiny documents), which make a distinct count smaller.</summary>
    int DuplicateRows()
    {
        using var loader = new PretrainingLoader(folder, new LoaderOptions { BatchSize = 4, SinglePass = true });
        var rows = new List<string>();
        while (loader.TryNext(out var batch)) rows.AddRange(Rows(batch));
        return rows.Count - rows.Distinct().Count();
    }

    [Fact]
    public void Two_ranks_see_what_one_rank_with_twice_the_batch_sees()
    {
        using var single = new PretrainingLoader(folder, new LoaderOptions { BatchSize = 6, Seed = 1 });
        using var rank0 = new PretrainingLoader(folder, new LoaderOptions { BatchSize = 3, Seed = 1, Rank = 0, WorldSize = 2 });
        using var rank1 = new PretrainingLoader(folder, new LoaderOptions { BatchSize = 3, Seed = 1, Rank = 1, WorldSize = 2 });
        Assert.Equal(single.StepsPerEpoch, rank0.StepsPerEpoch);
        for (int step = 0; step < single.StepsPerEpoch + 5; step++)
        {
            var whole = single.Next();
            var (p0, p1) = (rank0.Next(), rank1.Next());
            Assert.Equal(Rows(whole).Order(), Rows(p0).Concat(Rows(p1)).Order());
            Assert.Equal(whole.Next, p0.Next);
            Assert.Equal(p0.Next, p1.Next);
        }
    }

    [Fact]
    public void Resuming_from_a_saved_position_gives_the_same_following_batches()
    {
        var options = new LoaderOptions { BatchSize = 5, Seed = 11 };
        using var uninterrupted = new PretrainingLoader(folder, options);
        int steps = (int)uninterrupted.StepsPerEpoch + 4; // crosses an epoch boundary
        var all = Take(uninterrupted, steps);
        int saveAfter = steps - 7;
        var saved = System.Text.Json.JsonSerializer.Serialize(all[saveAfter - 1].Next);
        using var resumed = new PretrainingLoader(folder, options, System.Text.Json.JsonSerializer.Deserialize<LoaderPosition>(saved));
        foreach (var expected in all.Skip(saveAfter))
        {
            var actual = resumed.Next();
            Assert.Equal(expected.InputIds, actual.InputIds);
            Assert.Equal(expected.Position, actual.Position);
        }
    }

    [Fact]
    public void Validation_single_pass_reads_every_sequence_once_in_order()
    {
        using var dataset = PretrainingDataset.Open(folder, DatasetSplit.Validation);
        Assert.True(dataset.Count > 3);
        using var loader = new PretrainingLoader(folder, new LoaderOptions { Split = DatasetSplit.Validation, SinglePass = true, BatchSize = 3, PadToLongest = true });
        var rows = new List<string>();
        var buffer = new long[L];
        while (loader.TryNext(out var batch))
        {
            Assert.Equal(Enumerable.Range(0, batch.BatchSize).Max(r => (int)batch.AttentionMask.Skip(r * batch.SequenceLength).Take(batch.SequenceLength).Sum()), batch.SequenceLength);
            rows.AddRange(Rows(batch));
        }
        var expected = Enumerable.Range(0, (int)dataset.Count).Select(i => string.Join(' ', buffer[..dataset.CopyTo(i, buffer)])).ToList();
        Assert.Equal(expected, rows);
        Assert.False(loader.TryNext(out _));
    }

    [Fact]
    public async Task Too_small_split_and_bad_options_are_errors_and_dispose_does_not_hang()
    {
        var e = Assert.Throws<InvalidDataException>(() => new PretrainingLoader(folder, new LoaderOptions { Split = DatasetSplit.Validation, BatchSize = 100000 }));
        Assert.Contains("fewer than one global batch", e.Message);
        Assert.Throws<ArgumentException>(() => new PretrainingLoader(folder, new LoaderOptions { Rank = 2, WorldSize = 2 }));
        // The producer is blocked on a full channel here; disposing must stop it.
        var loader = new PretrainingLoader(folder, new LoaderOptions { BatchSize = 2, PrefetchBatches = 1 });
        loader.Next();
        Thread.Sleep(50);
        await Task.Run(loader.Dispose).WaitAsync(TimeSpan.FromSeconds(10));
        Assert.Throws<ObjectDisposedException>(() => loader.Next());
    }
}
