using Electra.IO;

namespace Electra.FineTuning;

/// <summary>One text (or text pair) of a sequence-classification file.</summary>
/// <param name="Text">The first (or only) text.</param>
/// <param name="TextB">The second text of a pair, or null.</param>
/// <param name="Label">The gold label, or null in an unlabelled prediction file.</param>
/// <param name="Line">1-based line in the file, for error messages.</param>
public sealed record SequenceExample(string Text, string? TextB, string? Label, int Line);

/// <summary>
/// Reads sequence-classification TSV: a header naming the columns — <c>text</c>, optionally <c>text_b</c>, then
/// <c>label</c> (optional in files given to prediction) — and one example per line, split on tabs only (no quoting,
/// so quotes in texts are kept as written). Blank lines and wrong column counts are errors naming file and line.
/// </summary>
internal static class TsvTaskReader
{
    static readonly string[][] Headers = { new[] { "text", "label" }, new[] { "text", "text_b", "label" } };
    static readonly string[][] UnlabelledHeaders = { new[] { "text" }, new[] { "text", "text_b" } };

    /// <summary>Reads <paramref name="path"/>; with <paramref name="requireLabel"/> false the label column may be absent.</summary>
    public static IReadOnlyList<SequenceExample> Read(string path, bool requireLabel = true)
    {
        using var lines = Utf8LineReader.ReadLines(path).GetEnumerator();
        string? header = lines.MoveNext() ? lines.Current.Text : null;
        var allowed = requireLabel ? Headers : Headers.Concat(UnlabelledHeaders).ToArray();
        string[]? columns = header is null ? null : allowed.FirstOrDefault(h => h.SequenceEqual(header.Split('\t')));
        if (columns is null)
            throw new InvalidDataException($"{path}:1: header '{Utf8LineReader.Quote(header ?? "")}' is not one of: {string.Join(" | ", allowed.Select(h => string.Join("<TAB>", h)))}");
        bool pair = columns.Contains("text_b"), labelled = columns.Contains("label");
        string expected = $"{columns.Length} tab-separated column{(columns.Length > 1 ? "s" : "")} ({string.Join(", ", columns)})";

        var examples = new List<SequenceExample>();
        while (lines.MoveNext())
        {
            var (line, s) = lines.Current;
            if (s.Length == 0) throw new InvalidDataException($"{path}:{line}: empty line; expected {expected}");
            string[] fields = s.Split('\t');
            if (fields.Length != columns.Length)
                throw new InvalidDataException($"{path}:{line}: {fields.Length} column{(fields.Length > 1 ? "s" : "")}, expected {expected}");
            string? label = labelled ? fields[^1] : null;
            if (label is "") throw new InvalidDataException($"{path}:{line}: empty label");
            examples.Add(new SequenceExample(fields[0], pair ? fields[1] : null, label, line));
        }
        return examples;
    }
}
