using Electra.Data;
using static Electra.Testing.DataTestKit;

namespace Electra.Tests.Data;

public class SequencePackerTests
{
    static List<int[]> Pack(IEnumerable<List<int[]>> documents, PackingOptions options, int seed)
    {
        var packer = new SequencePacker(options, Cls, Sep, seed);
        var output = new List<int[]>();
        foreach (var d in documents) packer.AddDocument(d, output);
        return output;
    }

    [Fact]
    public void Sequences_have_cls_seps_and_whole_consecutive_sentences_from_one_document()
    {
        const int L = 64;
        var documents = Documents(seed: 1, documents: 300, maxSentences: 12, maxSentence: 30);
        var documentOf = new Dictionary<int, int>();
        var sentenceStarts = new HashSet<int>();
        for (int d = 0; d < documents.Count; d++)
            foreach (var sentence in documents[d])
            {
                sentenceStarts.Add(sentence[0]);
                foreach (int id in sentence) documentOf[id] = d;
            }

        var sequences = Pack(documents, new PackingOptions { MaxSequenceLength = L }, seed: 7);
        Assert.True(sequences.Count > 300);
        foreach (int[] s in sequences)
        {
            Assert.InRange(s.Length, 3, L);
            Assert.Equal(Cls, s[0]);
            Assert.Equal(Sep, s[^1]);
            int firstSep = Array.IndexOf(s, Sep);
            Assert.True(firstSep == s.Length - 1 || Array.IndexOf(s, Sep, firstSep + 1) == s.Length - 1, "at most two [SEP]s, the second last");
            int[] a = s[1..firstSep], b = firstSep == s.Length - 1 ? [] : s[(firstSep + 1)..^1];
            Assert.NotEmpty(a);
            foreach (int[] segment in new[] { a, b }.Where(x => x.Length > 0))
            {
                Assert.Contains(segment[0], sentenceStarts); // segments start at a sentence boundary
                for (int i = 1; i < segment.Length; i++) Assert.Equal(segment[i - 1] + 1, segment[i]); // no gap, no reordering
            }
            Assert.Single(s[1..^1].Where(id => id != Sep).Select(id => documentOf[id]).Distinct());
            // B follows A directly unless A lost a tail to truncation (only possible when A fills the sequence).
            if (b.Length > 0 && a.Length + b.Length < L - 3) Assert.Equal(a[^1] + 1, b[0]);
        }
    }

    [Fact]
    public void Short_sequence_and_single_segment_rates_are_about_ten_percent()
    {
        const int L = 128;
        // One long document of one-token sentences: every sequence ends by reaching its target length.
        var document = Enumerable.Range(10, 400_000).Select(i => new[] { i }).ToList();
        var sequences = Pack([document], new PackingOptions { MaxSequenceLength = L }, seed: 3);
        double shortRate = sequences.Count(s => s.Length < L) / (double)sequences.Count;
        double singleRate = sequences.Count(s => Array.IndexOf(s, Sep) == s.Length - 1) / (double)sequences.Count;
        // Expected ≈ 0.1 × P(random target + 3 < 128) ≈ 0.097 (sequences: a few thousand, σ ≈ 0.005).
        Assert.InRange(shortRate, 0.075, 0.12);
        Assert.InRange(singleRate, 0.075, 0.125);
        Assert.All(sequences.SkipLast(1).Where(s => s.Length < L), s => Assert.True(s.Length >= 7, "a short target is at least 5 tokens"));
    }

    [Fact]
    public void Packing_is_deterministic_for_a_seed()
    {
        var documents = Documents(seed: 2, documents: 100, maxSentences: 10, maxSentence: 20);
        var options = new PackingOptions { MaxSequenceLength = 32 };
        var first = Pack(documents, options, seed: 5);
        Assert.Equal(first, Pack(documents, options, seed: 5));
        Assert.NotEqual(first, Pack(documents, options, seed: 6));
    }

    [Fact]
    public void Overlong_sentence_is_truncated_and_document_tail_is_flushed()
    {
        var options = new PackingOptions { MaxSequenceLength = 16, ShortSequenceProbability = 0, SingleSegmentProbability = 0 };
        var packer = new SequencePacker(options, Cls, Sep, seed: 1);
        var output = new List<int[]>();
        packer.AddDocument([Enumerable.Range(100, 40).ToArray()], output);
        packer.AddDocument([[7, 8]], output);
        Assert.Equal(2, output.Count);
        Assert.Equal([Cls, .. Enumerable.Range(100, 14), Sep], output[0]); // A truncated to L - 2, no B
        Assert.Equal([Cls, 7, 8, Sep], output[1]); // the next document starts a new sequence
    }

    [Fact]
    public void Bad_options_are_rejected_with_the_field_named()
    {
        var e = Assert.Throws<ArgumentException>(() => new SequencePacker(new PackingOptions { MaxSequenceLength = 4 }, Cls, Sep, 0));
        Assert.Contains("max_seq_length", e.Message);
    }
}
