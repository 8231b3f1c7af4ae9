namespace Electra.Tokenization.Tests;

/// <summary>The inference order (sorted by length, stable) and the training order grouped by length (HF Trainer's).</summary>
public class LengthBatchingTests
{
    [Fact]
    public void Inference_batches_cover_every_index_once_shortest_first_ties_in_input_order()
    {
        int[] lengths = [5, 3, 9, 3, 7, 1, 5];
        var batches = LengthBatching.Batches(lengths, 3).ToArray();
        Assert.Equal([[5, 1, 3], [0, 6, 4], [2]], batches);
        Assert.Throws<ArgumentOutOfRangeException>(() => LengthBatching.Batches(lengths, 0));
        Assert.Empty(LengthBatching.Batches([], 4));
    }

    [Fact]
    public void Grouping_by_length_sorts_each_megabatch_of_the_shuffle_longest_first_and_puts_the_longest_text_first()
    {
        // 40 texts, batch 2: megabatches of min(40 / 8, 50) = 5 batches = 10 texts, as HF's get_length_grouped_indices.
        var lengths = Enumerable.Range(0, 40).Select(i => (i * 37) % 23 + 1).ToArray();
        var shuffled = Enumerable.Range(0, 40).ToArray();
        new Random(3).Shuffle(shuffled);
        var order = LengthBatching.GroupByLength(lengths, shuffled, 2);
        Assert.Equal(Enumerable.Range(0, 40), order.Order());
        Assert.Equal(lengths.Max(), lengths[order[0]]);
        int swapped = 0;
        for (int m = 0; m < 4; m++)
        {
            var megabatch = order.Skip(m * 10).Take(10).ToArray();
            var rest = megabatch.Skip(1).Select(i => lengths[i]).ToArray();
            Assert.Equal(rest.OrderDescending(), rest); // its first may be the one swapped with the longest text's
            Assert.True(lengths[megabatch[0]] >= rest[0] || m > 0);
            var drawn = shuffled.Skip(m * 10).Take(10).ToHashSet();
            swapped += megabatch.Count(i => !drawn.Contains(i));
        }
        Assert.True(swapped <= 2, $"{swapped} texts left their megabatch");
        Assert.Throws<ArgumentException>(() => LengthBatching.GroupByLength(lengths, shuffled[1..], 2));
    }
}
