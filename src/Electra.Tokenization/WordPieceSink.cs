using System.Buffers;

namespace Electra.Tokenization;

/// <summary>
/// Turns the words of <see cref="BasicTokenizer"/> into WordPiece ids (HF's <c>WordpieceTokenizer.tokenize</c>) and
/// collects them, with their offsets when <c>withOffsets</c> is set, in pooled buffers.
/// </summary>
struct WordPieceSink : IPreTokenSink, IDisposable
{
    readonly WordPieceVocabulary vocabulary;
    readonly int unkId;
    readonly int[] specialIds;
    int[] ids;
    int[]? starts;
    int[]? ends;

    /// <summary>Number of ids collected.</summary>
    public int Count { get; private set; }

    /// <summary>Creates an empty collector sized for a text of <paramref name="textLength"/> characters.</summary>
    public WordPieceSink(WordPieceVocabulary vocabulary, int unkId, int[] specialIds, int textLength, bool withOffsets)
    {
        this.vocabulary = vocabulary;
        this.unkId = unkId;
        this.specialIds = specialIds;
        int capacity = Math.Max(16, textLength / 3);
        ids = ArrayPool<int>.Shared.Rent(capacity);
        if (withOffsets)
        {
            starts = ArrayPool<int>.Shared.Rent(capacity);
            ends = ArrayPool<int>.Shared.Rent(capacity);
        }
        Count = 0;
    }

    /// <summary>The ids collected so far.</summary>
    public readonly ReadOnlySpan<int> Ids => ids.AsSpan(0, Count);

    /// <summary>The offsets collected so far (empty unless created with offsets).</summary>
    public readonly ReadOnlySpan<int> Starts => starts is null ? default : starts.AsSpan(0, Count);

    /// <summary>The offset ends collected so far (empty unless created with offsets).</summary>
    public readonly ReadOnlySpan<int> Ends => ends is null ? default : ends.AsSpan(0, Count);

    /// <inheritdoc/>
    public void Word(ReadOnlySpan<char> word, int start, ReadOnlySpan<int> charStarts, ReadOnlySpan<int> charEnds)
    {
        bool mapped = !charStarts.IsEmpty;
        int wordStart = mapped ? charStarts[0] : start;
        int wordEnd = mapped ? charEnds[^1] : start + word.Length;
        // max_input_chars_per_word counts code points; only a word with surrogates needs the slower count.
        if (word.Length > WordPieceTokenizer.MaxInputCharsPerWord
            && (!mapped || BertCharacters.CountCodePoints(word) > WordPieceTokenizer.MaxInputCharsPerWord))
        {
            Add(unkId, wordStart, wordEnd);
            return;
        }
        int mark = Count;
        for (int p = 0; p < word.Length;)
        {
            int end = vocabulary.LongestMatch(word, p, out int id);
            if (end < 0)
            {
                // HF: one unmatchable piece makes the whole word [UNK].
                Count = mark;
                Add(unkId, wordStart, wordEnd);
                return;
            }
            Add(id, mapped ? charStarts[p] : start + p, mapped ? charEnds[end - 1] : start + end);
            p = end;
        }
    }

    /// <inheritdoc/>
    public void Special(int index, int start, int end) => Add(specialIds[index], start, end);

    void Add(int id, int start, int end)
    {
        if (Count == ids.Length) Grow();
        ids[Count] = id;
        if (starts is not null)
        {
            starts[Count] = start;
            ends![Count] = end;
        }
        Count++;
    }

    void Grow()
    {
        ids = Regrow(ids, Count);
        if (starts is not null)
        {
            starts = Regrow(starts, Count);
            ends = Regrow(ends!, Count);
        }
    }

    static int[] Regrow(int[] old, int count)
    {
        var bigger = ArrayPool<int>.Shared.Rent(old.Length * 2);
        old.AsSpan(0, count).CopyTo(bigger);
        ArrayPool<int>.Shared.Return(old);
        return bigger;
    }

    /// <summary>Returns the pooled buffers.</summary>
    public void Dispose()
    {
        ArrayPool<int>.Shared.Return(ids);
        if (starts is not null) ArrayPool<int>.Shared.Return(starts);
        if (ends is not null) ArrayPool<int>.Shared.Return(ends);
        ids = [];
        starts = ends = null;
    }
}
