using System.Runtime.InteropServices;

namespace Electra.Tokenization;

/// <summary>Counts the normalized words <see cref="BasicTokenizer"/> produces; a word seen before costs no allocation.</summary>
struct WordCounter : IPreTokenSink
{
    readonly Dictionary<string, long>.AlternateLookup<ReadOnlySpan<char>> lookup;

    /// <summary>Counts into <paramref name="counts"/>.</summary>
    public WordCounter(Dictionary<string, long> counts) => lookup = counts.GetAlternateLookup<ReadOnlySpan<char>>();

    /// <inheritdoc/>
    public readonly void Word(ReadOnlySpan<char> word, int start, ReadOnlySpan<int> charStarts, ReadOnlySpan<int> charEnds)
    {
        // Words the encoder turns into [UNK] whole teach the vocabulary nothing.
        if (word.Length > WordPieceTokenizer.MaxInputCharsPerWord && BertCharacters.CountCodePoints(word) > WordPieceTokenizer.MaxInputCharsPerWord) return;
        CollectionsMarshal.GetValueRefOrAddDefault(lookup, word, out _)++;
    }

    /// <inheritdoc/>
    public readonly void Special(int index, int start, int end)
    {
    }
}
