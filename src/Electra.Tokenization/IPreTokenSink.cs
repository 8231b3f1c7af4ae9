namespace Electra.Tokenization;

/// <summary>Receives what <see cref="BasicTokenizer"/> cuts a text into, in text order.</summary>
interface IPreTokenSink
{
    /// <summary>
    /// One normalized word (lower-cased, accent-stripped, split on punctuation, never empty). Its characters came from
    /// the original text at <paramref name="start"/> + i when <paramref name="charStarts"/> is empty; otherwise
    /// character i came from [<paramref name="charStarts"/>[i], <paramref name="charEnds"/>[i]).
    /// </summary>
    void Word(ReadOnlySpan<char> word, int start, ReadOnlySpan<int> charStarts, ReadOnlySpan<int> charEnds);

    /// <summary>A special token written literally in the text, by its index in the special-token list.</summary>
    void Special(int index, int start, int end);
}
