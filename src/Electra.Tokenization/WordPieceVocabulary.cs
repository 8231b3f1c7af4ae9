namespace Electra.Tokenization;

/// <summary>
/// The token → id maps of a vocabulary and HF's greedy longest-match-first WordPiece search over them.
/// </summary>
/// <remarks>
/// Lookups hash spans of the word directly (<see cref="Dictionary{TKey,TValue}.AlternateLookup{TAlternateKey}"/>), so no
/// substring is built; continuation pieces are stored without their <c>##</c> so a suffix of the word is looked up
/// as it is. The search starts at the longest vocabulary entry rather than at the end of the word, which returns the
/// same piece (nothing longer can match) with far fewer probes.
/// </remarks>
sealed class WordPieceVocabulary
{
    /// <summary>The continuation prefix of HF's <c>WordpieceTokenizer</c>.</summary>
    public const string ContinuationPrefix = "##";

    readonly Dictionary<string, int>.AlternateLookup<ReadOnlySpan<char>> words;
    readonly Dictionary<string, int>.AlternateLookup<ReadOnlySpan<char>> continuations;
    readonly int longestWord;
    readonly int longestContinuation;

    /// <summary>Indexes <paramref name="tokens"/> (id = position). A token listed twice maps to its later id, as HF's <c>load_vocab</c> does.</summary>
    public WordPieceVocabulary(string[] tokens)
    {
        Tokens = tokens;
        var wordMap = new Dictionary<string, int>(tokens.Length, StringComparer.Ordinal);
        var continuationMap = new Dictionary<string, int>(StringComparer.Ordinal);
        for (int id = 0; id < tokens.Length; id++)
        {
            string t = tokens[id];
            wordMap[t] = id;
            longestWord = Math.Max(longestWord, t.Length);
            if (t.Length > ContinuationPrefix.Length && t.StartsWith(ContinuationPrefix, StringComparison.Ordinal))
            {
                continuationMap[t[ContinuationPrefix.Length..]] = id;
                longestContinuation = Math.Max(longestContinuation, t.Length - ContinuationPrefix.Length);
            }
        }
        words = wordMap.GetAlternateLookup<ReadOnlySpan<char>>();
        continuations = continuationMap.GetAlternateLookup<ReadOnlySpan<char>>();
    }

    /// <summary>Token strings by id.</summary>
    public string[] Tokens { get; }

    /// <summary>Number of distinct token strings.</summary>
    public int DistinctCount => words.Dictionary.Count;

    /// <summary>Exact lookup of a whole token string (with its <c>##</c> if any).</summary>
    public bool TryGetId(ReadOnlySpan<char> token, out int id) => words.TryGetValue(token, out id);

    /// <summary>
    /// The longest vocabulary piece of <paramref name="word"/> starting at <paramref name="start"/> (a continuation
    /// piece unless <paramref name="start"/> is 0); returns its end, or -1 when there is none.
    /// </summary>
    public int LongestMatch(ReadOnlySpan<char> word, int start, out int id)
    {
        var rest = word[start..];
        if (start == 0)
        {
            for (int len = Math.Min(rest.Length, longestWord); len > 0; len--)
                if (words.TryGetValue(rest[..len], out id)) return len;
        }
        else
        {
            for (int len = Math.Min(rest.Length, longestContinuation); len > 0; len--)
                if (continuations.TryGetValue(rest[..len], out id)) return start + len;
        }
        id = -1;
        return -1;
    }
}
