using Electra.IO;

namespace Electra.FineTuning;

/// <summary>One sentence of a token-classification file.</summary>
/// <param name="Words">The words, in order.</param>
/// <param name="Tags">One gold tag per word, or null in an unlabelled prediction file.</param>
/// <param name="Line">1-based line of the first word; word i is on line <c>Line + i</c>.</param>
public sealed record TokenExample(IReadOnlyList<string> Words, IReadOnlyList<string>? Tags, int Line);

/// <summary>
/// Reads CoNLL-style token files: <c>word&lt;TAB&gt;tag</c> per line, a blank line between sentences (several blank
/// lines, and a missing or extra one at the end of the file, are all fine). Files given to prediction may hold
/// words only, one per line; a file must not mix the two. Errors name file, line and what was expected.
/// </summary>
internal static class ConllTaskReader
{
    /// <summary>Reads <paramref name="path"/>; with <paramref name="requireTags"/> false the tag column may be absent.</summary>
    public static IReadOnlyList<TokenExample> Read(string path, bool requireTags = true)
    {
        var sentences = new List<TokenExample>();
        var words = new List<string>();
        var tags = new List<string>();
        int columns = 0, first = 0;
        void Flush()
        {
            if (words.Count == 0) return;
            sentences.Add(new TokenExample(words.ToArray(), columns == 2 ? tags.ToArray() : null, first));
            words.Clear();
            tags.Clear();
        }
        foreach (var (line, s) in Utf8LineReader.ReadLines(path))
        {
            if (string.IsNullOrWhiteSpace(s))
            {
                Flush();
                continue;
            }
            string[] fields = s.Split('\t');
            if (columns == 0)
            {
                columns = fields.Length;
                if (columns > 2 || (columns == 1 && requireTags))
                    throw new InvalidDataException($"{path}:{line}: {columns} tab-separated column{(columns > 1 ? "s" : "")}, expected 2 (word<TAB>tag){(requireTags ? "" : " or 1 (word)")}");
            }
            else if (fields.Length != columns)
                throw new InvalidDataException($"{path}:{line}: {fields.Length} tab-separated column{(fields.Length > 1 ? "s" : "")}, expected {columns} like the lines before ({(columns == 2 ? "word<TAB>tag" : "word")})");
            if (fields[0].Length == 0) throw new InvalidDataException($"{path}:{line}: empty word");
            if (columns == 2 && fields[1].Length == 0) throw new InvalidDataException($"{path}:{line}: empty tag");
            if (words.Count == 0) first = line;
            words.Add(fields[0]);
            if (columns == 2) tags.Add(fields[1]);
        }
        Flush();
        return sentences;
    }
}
