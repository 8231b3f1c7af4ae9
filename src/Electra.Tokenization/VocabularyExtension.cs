namespace Electra.Tokenization;

/// <summary>A token <see cref="VocabularyExtension.Extend"/> appended to a vocabulary.</summary>
/// <param name="Token">The vocabulary entry (a <c>##</c> piece continues a word).</param>
/// <param name="Id">Its id in the extended vocabulary: every new id comes after every old one.</param>
/// <param name="OldIds">The ids the old vocabulary cut it into: what the old model saw in its place.</param>
/// <param name="Count">How often the piece occurs in the new corpus cut by the vocabulary learned there (0 for a never-split token).</param>
/// <param name="NeverSplit">A never-split token (<c>--add-tokens</c>) rather than a learned piece.</param>
public sealed record AddedToken(string Token, int Id, IReadOnlyList<int> OldIds, long Count, bool NeverSplit);

/// <summary>
/// Grows a WordPiece vocabulary for a new domain without changing an old entry: the pieces a vocabulary of the same
/// size learns on the new corpus (<see cref="WordPieceTrainer"/>) that the old one lacks, most frequent first, then
/// never-split tokens. Every old id keeps its token, so a model's rows for them keep their meaning; a text the new
/// pieces do not occur in tokenizes exactly as before (greedy longest match over a superset that found no new piece
/// found the old one).
/// </summary>
public static class VocabularyExtension
{
    /// <summary>
    /// Appends up to <paramref name="maxNewPieces"/> learned pieces, then <paramref name="neverSplit"/> (see
    /// <see cref="ReadAddedTokens"/>), to <paramref name="old"/>. <paramref name="sentences"/> is enumerated twice: once to
    /// learn the pieces, once to count them. A learned piece that is also a never-split token is added once, as the latter.
    /// </summary>
    public static (WordPieceTokenizer Tokenizer, IReadOnlyList<AddedToken> Added) Extend(WordPieceTokenizer old, Func<IEnumerable<string>> sentences,
        int maxNewPieces, IReadOnlyList<string> neverSplit, IProgress<WordPieceTrainerProgress>? progress = null, CancellationToken cancellationToken = default)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(maxNewPieces);
        var newTokens = new List<(string Token, int[] OldIds, long Count, bool NeverSplit)>();
        var neverSplitSet = neverSplit.ToHashSet(StringComparer.Ordinal);
        if (maxNewPieces > 0)
        {
            var domain = WordPieceTrainer.Train(sentences(), new WordPieceTrainerOptions { VocabSize = old.VocabSize, Tokenizer = old.Options with { NeverSplit = [] } },
                progress, cancellationToken);
            var counts = new long[domain.VocabSize];
            foreach (string sentence in sentences())
                foreach (int id in domain.TokenizeToIds(sentence))
                    counts[id]++;
            var pieces = Enumerable.Range(0, domain.VocabSize)
                .Where(id => counts[id] > 0 && !old.TryGetId(domain.Vocabulary[id], out _) && !neverSplitSet.Contains(domain.Vocabulary[id]))
                .OrderByDescending(id => counts[id]).ThenBy(id => id) // ties: the trainer's order
                .Take(maxNewPieces);
            foreach (int id in pieces) newTokens.Add((domain.Vocabulary[id], old.CutPiece(domain.Vocabulary[id]), counts[id], false));
        }
        foreach (string token in neverSplit)
        {
            var ids = old.TokenizeToIds(token);
            newTokens.Add((token, ids.Length > 0 ? ids : [old.UnkId], 0, true));
        }
        var tokenizer = WordPieceTokenizer.FromVocabulary([.. old.Vocabulary, .. newTokens.Select(t => t.Token)],
            old.Options with { NeverSplit = [.. old.Options.NeverSplit, .. neverSplit] });
        var added = newTokens.Select((t, i) => new AddedToken(t.Token, old.VocabSize + i, t.OldIds, t.Count, t.NeverSplit)).ToArray();
        return (tokenizer, added);
    }

    /// <summary>
    /// Reads an <c>--add-tokens</c> file: one token a line (whole words, or symbols that must never be split), blank
    /// lines ignored, spaces around a token trimmed. A token holding whitespace or starting with <c>##</c> is an error
    /// naming the line; a repeated token, or one <paramref name="vocabulary"/> already holds (when given), is skipped with
    /// a warning naming the line.
    /// </summary>
    /// <exception cref="FileNotFoundException">No such file.</exception>
    /// <exception cref="InvalidDataException">A malformed line (the message names the file and the line).</exception>
    public static IReadOnlyList<string> ReadAddedTokens(string path, WordPieceTokenizer? vocabulary, Action<string> warn)
    {
        if (!File.Exists(path)) throw new FileNotFoundException($"{path}: no such file (--add-tokens)", path);
        var tokens = new List<string>();
        var firstLine = new Dictionary<string, int>(StringComparer.Ordinal);
        int line = 0;
        foreach (string raw in Utf8Lines.Read(path))
        {
            line++;
            string token = raw.Trim();
            if (token.Length == 0) continue;
            if (token.Any(char.IsWhiteSpace))
                throw new InvalidDataException($"{path}:{line}: \"{token}\" holds whitespace; a never-split token is one word or symbol (one token a line)");
            if (token.StartsWith(WordPieceVocabulary.ContinuationPrefix, StringComparison.Ordinal))
                throw new InvalidDataException($"{path}:{line}: \"{token}\" starts with {WordPieceVocabulary.ContinuationPrefix}, which marks a word continuation in vocab.txt, not a whole token");
            if (firstLine.TryGetValue(token, out int first)) warn($"{path}:{line}: \"{token}\" repeats line {first}: skipped");
            else if (vocabulary is not null && vocabulary.TryGetId(token, out int id)) warn($"{path}:{line}: \"{token}\" is already in the vocabulary (id {id}): skipped");
            else
            {
                firstLine[token] = line;
                tokens.Add(token);
            }
        }
        return tokens;
    }
}
