using System.Text.Json;
using Electra.IO;

namespace Electra.Data;

/// <summary>One document of a corpus: its sentences, and where it starts (for error messages).</summary>
/// <param name="Source">The file the document comes from.</param>
/// <param name="Line">The 1-based line the document starts on.</param>
/// <param name="Sentences">The document's sentences, in order, none empty.</param>
public sealed record CorpusDocument(string Source, int Line, IReadOnlyList<string> Sentences);

/// <summary>
/// Streams the documents of a pre-training corpus: files and folders (a folder means every <c>*.txt</c> and
/// <c>*.jsonl</c> below it, recursively, in ordinal path order).
/// <list type="bullet">
/// <item>Plain text (any extension but <c>.jsonl</c>): BERT's layout, one sentence per line and a blank line between
/// documents. A line longer than <see cref="LongLineCharacters"/> is treated as a paragraph and run through
/// <see cref="SentenceSplitter"/>.</item>
/// <item><c>.jsonl</c>: one JSON object per line with a string field <c>text</c>, one document per line; its
/// paragraphs (separated by blank lines) go through <see cref="SentenceSplitter"/>. Blank lines are skipped.</item>
/// </list>
/// Errors name the file and line: a missing path, a NUL byte (binary file), invalid UTF-8, bad JSON, a missing
/// <c>text</c> field, and a corpus without any text at all.
/// </summary>
public static class CorpusReader
{
    /// <summary>Plain-text lines longer than this many characters are split into sentences (2000: far longer than any sentence).</summary>
    internal const int LongLineCharacters = 2000;

    /// <summary>A single line longer than this (1 M characters) gets a warning: most likely a whole book without line breaks.</summary>
    internal const int LongDocumentCharacters = 1_000_000;

    /// <summary>The files <paramref name="paths"/> stand for, folders expanded, in the order they are read.</summary>
    /// <exception cref="FileNotFoundException">A path does not exist.</exception>
    /// <exception cref="InvalidDataException">No paths, or a folder holds no <c>.txt</c>/<c>.jsonl</c> file.</exception>
    public static IReadOnlyList<string> ListFiles(IEnumerable<string> paths)
    {
        var files = new List<string>();
        foreach (string path in paths)
        {
            if (File.Exists(path)) files.Add(path);
            else if (Directory.Exists(path))
            {
                var found = Directory.EnumerateFiles(path, "*", SearchOption.AllDirectories)
                    .Where(f => f.EndsWith(".txt", StringComparison.OrdinalIgnoreCase) || IsJsonLines(f))
                    .Order(StringComparer.Ordinal)
                    .ToList();
                if (found.Count == 0) throw new InvalidDataException($"corpus folder {path} holds no .txt or .jsonl files");
                files.AddRange(found);
            }
            else throw new FileNotFoundException($"corpus path {path} does not exist", path);
        }
        if (files.Count == 0) throw new InvalidDataException("no corpus paths were given");
        return files;
    }

    /// <summary>
    /// The documents of every file of <paramref name="paths"/>, in order; fails at the end if there were none.
    /// <paramref name="warn"/> hears of lines longer than <see cref="LongDocumentCharacters"/>.
    /// </summary>
    public static IEnumerable<CorpusDocument> ReadDocuments(IEnumerable<string> paths, Action<string>? warn = null)
    {
        var files = ListFiles(paths);
        bool any = false;
        foreach (string file in files)
            foreach (var document in ReadFile(file, warn))
            {
                any = true;
                yield return document;
            }
        if (!any)
            throw new InvalidDataException($"the corpus ({string.Join(", ", files.Take(3))}{(files.Count > 3 ? ", …" : "")}) holds no text: every file is empty or blank");
    }

    /// <summary>The documents of one file (plain text, or JSON lines when it ends in <c>.jsonl</c>).</summary>
    public static IEnumerable<CorpusDocument> ReadFile(string path, Action<string>? warn = null) =>
        IsJsonLines(path) ? ReadJsonLines(path, warn) : ReadPlainText(path, warn);

    static void WarnIfLong(string path, int number, int characters, Action<string>? warn)
    {
        if (characters > LongDocumentCharacters)
            warn?.Invoke($"{path}:{number}: one line of {characters / 1e6:F1} M characters, read as one document split into sentences; " +
                             "a corpus should hold one sentence per line and a blank line between documents");
    }

    static bool IsJsonLines(string path) => path.EndsWith(".jsonl", StringComparison.OrdinalIgnoreCase);

    static IEnumerable<CorpusDocument> ReadPlainText(string path, Action<string>? warn)
    {
        var sentences = new List<string>();
        int firstLine = 0;
        foreach (var (number, text) in Utf8LineReader.ReadLines(path))
        {
            string line = text.Trim();
            if (line.Length == 0)
            {
                if (sentences.Count > 0) yield return new CorpusDocument(path, firstLine, sentences);
                sentences = new List<string>();
                continue;
            }
            if (sentences.Count == 0) firstLine = number;
            WarnIfLong(path, number, line.Length, warn);
            if (line.Length > LongLineCharacters) sentences.AddRange(SentenceSplitter.Split(line));
            else sentences.Add(line);
        }
        if (sentences.Count > 0) yield return new CorpusDocument(path, firstLine, sentences);
    }

    static IEnumerable<CorpusDocument> ReadJsonLines(string path, Action<string>? warn)
    {
        foreach (var (number, line) in Utf8LineReader.ReadLines(path))
        {
            if (string.IsNullOrWhiteSpace(line)) continue;
            WarnIfLong(path, number, line.Length, warn);
            var sentences = SplitParagraphs(TextField(path, number, line));
            if (sentences.Count > 0) yield return new CorpusDocument(path, number, sentences);
        }
    }

    static string TextField(string path, int number, string line)
    {
        JsonDocument json;
        try
        {
            json = JsonDocument.Parse(line);
        }
        catch (JsonException e)
        {
            throw new InvalidDataException($"{path}:{number}: not valid JSON ({Utf8LineReader.Quote(e.Message, 300)}); a .jsonl corpus needs one object with a \"text\" field per line");
        }
        using (json)
        {
            if (json.RootElement.ValueKind != JsonValueKind.Object
                || !json.RootElement.TryGetProperty("text", out var text)
                || text.ValueKind != JsonValueKind.String)
                throw new InvalidDataException($"{path}:{number}: expected a JSON object with a string field \"text\"");
            return text.GetString()!;
        }
    }

    /// <summary>Sentences of running text whose paragraphs are separated by blank lines.</summary>
    public static List<string> SplitParagraphs(string text)
    {
        var sentences = new List<string>();
        foreach (string paragraph in System.Text.RegularExpressions.Regex.Split(text, @"\n[ \t\r]*\n"))
            sentences.AddRange(SentenceSplitter.Split(paragraph));
        return sentences;
    }
}
