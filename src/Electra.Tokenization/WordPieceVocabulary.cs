namespace Electra.Tokenization;

/// <summary>
/// The token → id maps of a vocabulary and HF's greedy longest-match-first WordPiece search over them.
/// </summary>
/// <remarks>
/// Lookups hash spans of the word directly (<see cref="SpanHashTable"/>, all prefix hashes in one pass), so no
/// substring is built; continuation pieces are stored without their <c>##</c> so a suffix of the word is looked up
/// as it is. The search starts at the longest vocabulary entry rather than at the end of the word, which returns the
/// same piece (nothing longer can match) with far fewer probes.
/// </remarks>
[System.Runtime.CompilerServices.SkipLocalsInit] // prefix hashes are written before they are read
sealed class WordPieceVocabulary
{
    /// <summary>The continuation prefix of HF's <c>WordpieceTokenizer</c>.</summary>
    public const string ContinuationPrefix = "##";

    readonly SpanHashTable words;
    readonly SpanHashTable continuations;
    readonly int longestWord;
    readonly int longestContinuation;

    /// <summary>Indexes <paramref name="tokens"/> (id = position). A token listed twice maps to its later id, as HF's <c>load_vocab</c> does.</summary>
    public WordPieceVocabulary(string[] tokens)
    {
        Tokens = tokens;
        var wordEntries = new List<(string, int)>(tokens.Length);
        var continuationEntries = new List<(string, int)>(tokens.Length);
        for (int id = 0; id < tokens.Length; id++)
        {
            string t = tokens[id];
            wordEntries.Add((t, id));
            longestWord = Math.Max(longestWord, t.Length);
            if (t.Length > ContinuationPrefix.Length && t.StartsWith(ContinuationPrefix, StringComparison.Ordinal))
            {
                continuationEntries.Add((t[ContinuationPrefix.Length..], id));
                longestContinuation = Math.Max(longestContinuation, t.Length - ContinuationPrefix.Length);
            }
        }
        words = new SpanHashTable(wordEntries);
        continuations = new SpanHashTable(continuationEntries);
    }

    /// <summary>Token strings by id.</summary>
    public string[] Tokens { get; }

    /// <summary>Exact lookup of a whole token string (with its <c>##</c> if any).</summary>
    public bool TryGetId(ReadOnlySpan<char> token, out int id) => words.TryGet(token, SpanHashTable.Hash(token), out id);

    /// <summary>
    /// The longest vocabulary piece of <paramref name="word"/> starting at <paramref name="start"/> (a continuation
    /// piece unless <paramref name="start"/> is 0); returns its end, or -1 when there is none.
    /// </summary>
    public int LongestMatch(ReadOnlySpan<char> word, int start, out int id)
    {
        var rest = word[start..];
        var table = start == 0 ? words : continuations;
        int longest = Math.Min(rest.Length, start == 0 ? longestWord : longestContinuation);
        // Words reaching here are at most MaxInputCharsPerWord code points, so at most twice that in UTF-16.
        Span<uint> prefixHashes = stackalloc uint[2 * WordPieceTokenizer.MaxInputCharsPerWord];
        uint h = SpanHashTable.EmptyHash;
        for (int k = 0; k < longest; k++) prefixHashes[k] = h = SpanHashTable.Step(h, rest[k]);
        for (int len = longest; len > 0; len--)
            if (table.TryGet(rest[..len], prefixHashes[len - 1], out id)) return start + len;
        id = -1;
        return -1;
    }
}
