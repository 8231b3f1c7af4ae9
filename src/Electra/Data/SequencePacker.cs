namespace Electra.Data;

/// <summary>How sentences are packed into pre-training sequences (see <see cref="SequencePacker"/>).</summary>
public sealed record PackingOptions
{
    /// <summary>Tokens per sequence, [CLS]/[SEP] included. 128, ELECTRA-Small's <c>max_seq_length</c>.</summary>
    public int MaxSequenceLength { get; init; } = 128;

    /// <summary>
    /// Chance that the next sequence aims at a random length in [5, <see cref="MaxSequenceLength"/>] instead of the
    /// maximum, so the model also sees short inputs. 0.1 is BERT's <c>short_seq_prob</c>; google's ELECTRA builder
    /// uses 0.05.
    /// </summary>
    public double ShortSequenceProbability { get; init; } = 0.1;

    /// <summary>Chance that a sequence keeps all its sentences in segment A (no segment B), as in classification inputs. 0.1, google's value.</summary>
    public double SingleSegmentProbability { get; init; } = 0.1;

    /// <summary>Throws <see cref="ArgumentException"/> naming the bad field.</summary>
    public void Validate()
    {
        if (MaxSequenceLength < 8) throw new ArgumentException($"max_seq_length must be at least 8, got {MaxSequenceLength}");
        if (ShortSequenceProbability is < 0 or > 1 || double.IsNaN(ShortSequenceProbability))
            throw new ArgumentException($"short-sequence probability must be in [0, 1], got {ShortSequenceProbability}");
        if (SingleSegmentProbability is < 0 or > 1 || double.IsNaN(SingleSegmentProbability))
            throw new ArgumentException($"single-segment probability must be in [0, 1], got {SingleSegmentProbability}");
    }
}

/// <summary>
/// Packs tokenized sentences into <c>[CLS] A [SEP] B [SEP]</c> sequences the way google-research/electra's
/// <c>ExampleBuilder</c> (build_pretraining_dataset.py) does: whole sentences of a document accumulate until they
/// reach the target length (the maximum, or with <see cref="PackingOptions.ShortSequenceProbability"/> a random
/// length in [5, max]); the accumulated sentences are then cut at a sentence boundary into segment A, aiming at
/// (target − 3) / 2 tokens (a sentence that would overshoot still joins A half of the time while B is empty), and
/// segment B; A is truncated to max − 2 tokens and B to what is left after A and the three special tokens.
/// With <see cref="PackingOptions.SingleSegmentProbability"/> everything goes to A and the sequence is
/// <c>[CLS] A [SEP]</c>. Sentences are never split except by that final truncation, whose tail is dropped.
/// </summary>
/// <remarks>
/// Document ends: google emits the partial sequence at every blank line (document boundary), so a sequence never
/// mixes documents and a document's tail becomes a shorter sequence; we do the same (<see cref="AddDocument"/>
/// flushes). One divergence: in google's loop a later short sentence can still join A after a longer one went to
/// B, which reorders the text; here once B has started every later sentence goes to B, keeping the text in order.
/// Sentences that encode to no tokens are skipped. Deterministic for a seed (own <see cref="Random"/> stream).
/// </remarks>
internal sealed class SequencePacker
{
    readonly PackingOptions options;
    readonly int clsId, sepId;
    readonly Random random;
    readonly List<int[]> sentences = new();
    int accumulated;
    int targetLength;

    /// <summary>A packer for one stream of documents.</summary>
    /// <param name="options">Lengths and probabilities.</param>
    /// <param name="clsId">Id of [CLS].</param>
    /// <param name="sepId">Id of [SEP].</param>
    /// <param name="seed">Seed of the random choices (target lengths, segment cuts).</param>
    public SequencePacker(PackingOptions options, int clsId, int sepId, int seed)
    {
        options.Validate();
        this.options = options;
        this.clsId = clsId;
        this.sepId = sepId;
        random = new Random(seed);
        targetLength = options.MaxSequenceLength;
    }

    /// <summary>Packs one document's sentences (word-piece ids without special tokens) and appends the finished sequences to <paramref name="output"/>.</summary>
    public void AddDocument(IReadOnlyList<int[]> documentSentences, List<int[]> output)
    {
        foreach (int[] sentence in documentSentences)
        {
            if (sentence.Length == 0) continue;
            sentences.Add(sentence);
            accumulated += sentence.Length;
            if (accumulated >= targetLength) output.Add(CreateSequence());
        }
        if (accumulated > 0) output.Add(CreateSequence());
    }

    int[] CreateSequence()
    {
        int max = options.MaxSequenceLength;
        int firstTarget = random.NextDouble() < options.SingleSegmentProbability ? int.MaxValue : (targetLength - 3) / 2;
        int firstLength = 0, cut = sentences.Count;
        for (int i = 0; i < sentences.Count; i++)
        {
            int length = sentences[i].Length;
            bool toFirst = firstLength == 0
                           || firstLength + length < firstTarget
                           || (firstLength < firstTarget && random.NextDouble() < 0.5);
            if (!toFirst) { cut = i; break; }
            firstLength += length;
        }
        int secondLength = 0;
        for (int i = cut; i < sentences.Count; i++) secondLength += sentences[i].Length;

        firstLength = Math.Min(firstLength, max - 2);
        secondLength = Math.Min(secondLength, Math.Max(0, max - firstLength - 3));
        var sequence = new int[1 + firstLength + 1 + (secondLength > 0 ? secondLength + 1 : 0)];
        sequence[0] = clsId;
        int written = CopySegment(0, cut, sequence, 1, firstLength);
        sequence[1 + written] = sepId;
        if (secondLength > 0)
        {
            int at = 2 + written;
            CopySegment(cut, sentences.Count, sequence, at, secondLength);
            sequence[^1] = sepId;
        }

        sentences.Clear();
        accumulated = 0;
        targetLength = random.NextDouble() < options.ShortSequenceProbability ? random.Next(5, max + 1) : max;
        return sequence;
    }

    /// <summary>Copies sentences [from, to) into <paramref name="destination"/> at <paramref name="at"/>, at most <paramref name="limit"/> tokens.</summary>
    int CopySegment(int from, int to, int[] destination, int at, int limit)
    {
        int written = 0;
        for (int i = from; i < to && written < limit; i++)
        {
            int take = Math.Min(sentences[i].Length, limit - written);
            sentences[i].AsSpan(0, take).CopyTo(destination.AsSpan(at + written));
            written += take;
        }
        return written;
    }
}
