using System.Globalization;
using System.Text;
using System.Text.Json;
using Electra.IO;

namespace Electra.Retrieval;

/// <summary>A text to embed or index: its id, its text (null for a document given only as a vector), its vector if precomputed, and its line.</summary>
/// <param name="Id">The id from the file (a JSON string or number), or the 1-based line number of a plain text line.</param>
/// <param name="Text">The text, or null.</param>
/// <param name="Vector">A precomputed vector (from <c>electra embed</c>), or null.</param>
/// <param name="Line">1-based line in the file, for error messages.</param>
public sealed record TextRecord(string Id, string? Text, float[]? Vector, int Line);

/// <summary>One training or evaluation pair of a retrieval task: a query and a passage that answers it.</summary>
/// <param name="Query">The query text.</param>
/// <param name="Positive">The relevant passage.</param>
/// <param name="Line">1-based line in the file.</param>
internal sealed record QueryPair(string Query, string Positive, int Line);

/// <summary>
/// The files of retrieval, each error naming file and line:
/// <list type="bullet">
/// <item>pairs (<c>train.tsv</c>/<c>dev.tsv</c>/<c>test.tsv</c> of a bi-encoder task): header <c>query&lt;TAB&gt;positive</c>, then one pair per line;</item>
/// <item>texts to embed: plain lines (id = line number) or <c>.jsonl</c> with <c>id</c> and <c>text</c>;</item>
/// <item>documents to search (<c>.jsonl</c>): <c>id</c> and <c>text</c>, or <c>id</c> and <c>vector</c> as <c>embed</c> writes them (both allowed);</item>
/// <item>queries (<c>.tsv</c>, no header): <c>qid&lt;TAB&gt;text</c>, as MS MARCO's <c>queries.tsv</c>;</item>
/// <item>qrels: TREC's <c>qid 0 docid relevance</c>, separated by spaces or tabs;</item>
/// <item>runs (written): TREC's <c>qid Q0 docid rank score tag</c>, tab-separated.</item>
/// </list>
/// </summary>
public static class RetrievalFiles
{
    /// <summary>The header that makes a TSV file a pairs file (and a task folder with such a <c>train.tsv</c> a retrieval task).</summary>
    internal const string PairsHeader = "query\tpositive";

    /// <summary>Whether <paramref name="path"/> exists and starts with <see cref="PairsHeader"/>.</summary>
    internal static bool IsPairsFile(string path)
    {
        if (!File.Exists(path)) return false;
        using var reader = new StreamReader(path);
        return reader.ReadLine()?.TrimEnd('\r') == PairsHeader;
    }

    /// <summary>Reads a pairs file: header <c>query&lt;TAB&gt;positive</c>, then two non-empty tab-separated fields per line.</summary>
    internal static IReadOnlyList<QueryPair> ReadPairs(string path)
    {
        var pairs = new List<QueryPair>();
        foreach (var (line, raw) in Lines(path))
        {
            if (line == 1)
            {
                if (raw != PairsHeader) throw new InvalidDataException($"{path}:1: header '{Utf8LineReader.Quote(raw)}' is not query<TAB>positive");
                continue;
            }
            var fields = raw.Split('\t');
            if (fields.Length != 2 || fields[0].Length == 0 || fields[1].Length == 0)
                throw new InvalidDataException($"{path}:{line}: expected 2 non-empty tab-separated fields (query, positive), got {(raw.Length == 0 ? "an empty line" : $"{fields.Length} field(s)")}");
            pairs.Add(new QueryPair(fields[0], fields[1], line));
        }
        if (pairs.Count == 0) throw new InvalidDataException($"{path}: no pairs");
        return pairs;
    }

    /// <summary>
    /// Texts to embed: a <c>.jsonl</c> file of objects with <c>id</c> (string or number) and <c>text</c>, or any other
    /// file as one text per line with its 1-based line number as id (empty lines are errors: every line is a text).
    /// </summary>
    public static IReadOnlyList<TextRecord> ReadTexts(string path)
    {
        if (IsJsonLines(path)) return ReadJsonLines(path, requireText: true);
        var texts = new List<TextRecord>();
        foreach (var (line, raw) in Lines(path))
        {
            if (raw.Trim().Length == 0) throw new InvalidDataException($"{path}:{line}: empty line (one text per line; use .jsonl for other layouts)");
            texts.Add(new TextRecord(line.ToString(CultureInfo.InvariantCulture), raw, null, line));
        }
        if (texts.Count == 0) throw new InvalidDataException($"{path}: no texts");
        return texts;
    }

    /// <summary>Documents to search: <c>.jsonl</c> with <c>id</c> and <c>text</c> and/or <c>vector</c>; ids unique.</summary>
    public static IReadOnlyList<TextRecord> ReadDocuments(string path)
    {
        if (!IsJsonLines(path)) throw new InvalidDataException($"{path}: documents must be a .jsonl file ({{\"id\": …, \"text\": …}} per line)");
        return ReadJsonLines(path, requireText: false);
    }

    /// <summary>Queries: <c>qid&lt;TAB&gt;text</c> per line, no header; qids unique.</summary>
    public static IReadOnlyList<TextRecord> ReadQueries(string path)
    {
        var queries = new List<TextRecord>();
        var seen = new HashSet<string>(StringComparer.Ordinal);
        foreach (var (line, raw) in Lines(path))
        {
            var fields = raw.Split('\t');
            if (fields.Length != 2 || fields[0].Length == 0 || fields[1].Trim().Length == 0)
                throw new InvalidDataException($"{path}:{line}: expected qid<TAB>query text, got {(raw.Length == 0 ? "an empty line" : $"{fields.Length} field(s)")}");
            if (!seen.Add(fields[0])) throw new InvalidDataException($"{path}:{line}: query id '{fields[0]}' appears twice");
            queries.Add(new TextRecord(fields[0], fields[1], null, line));
        }
        if (queries.Count == 0) throw new InvalidDataException($"{path}: no queries");
        return queries;
    }

    /// <summary>TREC qrels: <c>qid iteration docid relevance</c> (whitespace-separated, relevance an integer); relevance per docid per qid.</summary>
    public static Dictionary<string, IReadOnlyDictionary<string, int>> ReadQrels(string path)
    {
        var qrels = new Dictionary<string, Dictionary<string, int>>(StringComparer.Ordinal);
        foreach (var (line, raw) in Lines(path))
        {
            var fields = raw.Split(new[] { ' ', '\t' }, StringSplitOptions.RemoveEmptyEntries);
            if (fields.Length != 4 || !int.TryParse(fields[3], NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out int relevance))
                throw new InvalidDataException($"{path}:{line}: expected 'qid 0 docid relevance' with an integer relevance, got '{Utf8LineReader.Quote(raw)}'");
            if (!qrels.TryGetValue(fields[0], out var judged)) qrels[fields[0]] = judged = new Dictionary<string, int>(StringComparer.Ordinal);
            if (!judged.TryAdd(fields[2], relevance)) throw new InvalidDataException($"{path}:{line}: query '{fields[0]}' judges document '{fields[2]}' twice");
        }
        if (qrels.Count == 0) throw new InvalidDataException($"{path}: no judgments");
        return qrels.ToDictionary(kv => kv.Key, kv => (IReadOnlyDictionary<string, int>)kv.Value, StringComparer.Ordinal);
    }

    /// <summary>Writes <c>{"id": …, "vector": [...]}</c> per line (the id as a string), atomically.</summary>
    public static void WriteVectors(string path, IReadOnlyList<string> ids, IReadOnlyList<float[]> vectors) =>
        AtomicFile.Write(path, stream =>
        {
            using var json = new Utf8JsonWriter(stream);
            var newline = "\n"u8.ToArray();
            for (int i = 0; i < ids.Count; i++)
            {
                json.WriteStartObject();
                json.WriteString("id", ids[i]);
                json.WriteStartArray("vector");
                foreach (float v in vectors[i]) json.WriteNumberValue(v);
                json.WriteEndArray();
                json.WriteEndObject();
                json.Flush();
                stream.Write(newline);
                json.Reset();
            }
        });

    /// <summary>Writes a TREC run, <c>qid Q0 docid rank score tag</c> per line (tab-separated, rank from 1), atomically.</summary>
    public static void WriteRun(string path, IEnumerable<(string Query, IReadOnlyList<(string Doc, double Score)> Hits)> run, string tag) =>
        AtomicFile.Write(path, stream =>
        {
            using var w = new StreamWriter(stream, new UTF8Encoding(false), leaveOpen: true) { NewLine = "\n" };
            foreach (var (query, hits) in run)
                for (int i = 0; i < hits.Count; i++)
                    w.WriteLine(FormattableString.Invariant($"{query}\tQ0\t{hits[i].Doc}\t{i + 1}\t{hits[i].Score:G7}\t{tag}"));
        });

    static bool IsJsonLines(string path) => path.EndsWith(".jsonl", StringComparison.OrdinalIgnoreCase);

    static IEnumerable<(int Number, string Text)> Lines(string path)
    {
        if (!File.Exists(path)) throw new FileNotFoundException($"{path}: no such file", path);
        return Utf8LineReader.ReadLines(path);
    }

    static IReadOnlyList<TextRecord> ReadJsonLines(string path, bool requireText)
    {
        var records = new List<TextRecord>();
        var seen = new HashSet<string>(StringComparer.Ordinal);
        foreach (var (line, raw) in Lines(path))
        {
            if (raw.Trim().Length == 0) continue;
            JsonElement root;
            try
            {
                using var doc = JsonDocument.Parse(raw);
                root = doc.RootElement.Clone();
            }
            catch (JsonException e)
            {
                throw new InvalidDataException($"{path}:{line}: not valid JSON ({Utf8LineReader.Quote(e.Message, 300)})", e);
            }
            if (root.ValueKind != JsonValueKind.Object) throw new InvalidDataException($"{path}:{line}: expected a JSON object");
            string id = root.TryGetProperty("id", out var idElement) ? idElement.ValueKind switch
            {
                JsonValueKind.String when idElement.GetString()!.Length > 0 => idElement.GetString()!,
                JsonValueKind.Number => idElement.GetRawText(),
                _ => throw new InvalidDataException($"{path}:{line}: \"id\" must be a non-empty string or a number"),
            } : throw new InvalidDataException($"{path}:{line}: no \"id\"");
            if (!seen.Add(id)) throw new InvalidDataException($"{path}:{line}: id '{id}' appears twice");
            string? text = root.TryGetProperty("text", out var t)
                ? t.ValueKind == JsonValueKind.String ? t.GetString() : throw new InvalidDataException($"{path}:{line}: \"text\" must be a string")
                : null;
            float[]? vector = root.TryGetProperty("vector", out var v) ? ReadVector(v, path, line) : null;
            if (text is null && (requireText || vector is null))
                throw new InvalidDataException($"{path}:{line}: no \"text\"{(requireText ? "" : " or \"vector\"")}");
            records.Add(new TextRecord(id, text, vector, line));
        }
        if (records.Count == 0) throw new InvalidDataException($"{path}: no records");
        return records;
    }

    static float[] ReadVector(JsonElement v, string path, int line)
    {
        if (v.ValueKind != JsonValueKind.Array || v.GetArrayLength() == 0) throw new InvalidDataException($"{path}:{line}: \"vector\" must be a non-empty array of numbers");
        var result = new float[v.GetArrayLength()];
        int i = 0;
        foreach (var x in v.EnumerateArray())
        {
            if (x.ValueKind != JsonValueKind.Number || !float.IsFinite(result[i] = x.GetSingle()))
                throw new InvalidDataException($"{path}:{line}: \"vector\"[{i}] is not a finite number");
            i++;
        }
        return result;
    }
}
