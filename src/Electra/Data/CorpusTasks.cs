using System.Globalization;
using System.Text;
using System.Text.Json;
using Electra.IO;

namespace Electra.Data;

/// <summary>Sizes and seed of <see cref="CorpusTasks.Build"/>.</summary>
public sealed record CorpusTaskOptions
{
    /// <summary>Passages drawn from the corpus (each one query); the held-out search set and the dev pairs come first, training pairs get the rest.</summary>
    public int Passages { get; init; } = 3000;

    /// <summary>Passages whose removed sentence is a search query (<c>sentence-search/</c>).</summary>
    public int SearchQueries { get; init; } = 300;

    /// <summary>Held-out (query, positive) pairs for the bi-encoder's and the re-ranker's dev evaluation.</summary>
    public int DevPairs { get; init; } = 200;

    /// <summary>Sentences per passage before one is removed as the query.</summary>
    public int SentencesPerPassage { get; init; } = 5;

    /// <summary>Sentence pairs of the regression task (split 80/10/10 into train/dev/test).</summary>
    public int OverlapPairs { get; init; } = 2500;

    /// <summary>Seeds every draw; the same corpus and seed give the same files.</summary>
    public int Seed { get; init; } = 13;

    /// <summary>Throws naming the first value no run could want.</summary>
    public CorpusTaskOptions Validate()
    {
        if (SentencesPerPassage < 2) throw new ArgumentException($"sentences per passage must be ≥ 2 (got {SentencesPerPassage})");
        if (SearchQueries < 1 || DevPairs < 2) throw new ArgumentException($"need ≥ 1 search query and ≥ 2 dev pairs (got {SearchQueries}, {DevPairs})");
        if (Passages < SearchQueries + DevPairs + 2) throw new ArgumentException($"passages {Passages} must exceed search queries + dev pairs + 2 ({SearchQueries + DevPairs + 2})");
        if (OverlapPairs < 30) throw new ArgumentException($"overlap pairs must be ≥ 30 (got {OverlapPairs})");
        return this;
    }
}

/// <summary>What <see cref="CorpusTasks.Build"/> wrote: counts per file.</summary>
/// <param name="Files">Relative path → number of examples (lines after any header).</param>
public sealed record CorpusTaskSummary(IReadOnlyDictionary<string, int> Files);

/// <summary>
/// Builds small, honest tasks from a plain corpus (BERT layout or .jsonl, read by <see cref="CorpusReader"/>) to show
/// that the retrieval and regression machinery works. They measure the machinery, not world knowledge: every answer
/// is recoverable from the surface text. Passages are windows of consecutive sentences inside one document; one
/// sentence is removed from each and becomes its query, and the passage text is the remaining sentences.
/// <list type="bullet">
/// <item><c>sentence-pairs/</c> (bi-encoder task): <c>train.tsv</c>, <c>dev.tsv</c> of <c>query&lt;TAB&gt;positive</c>.</item>
/// <item><c>sentence-search/</c>: <c>docs.jsonl</c> (the held-out passages plus the training passages as distractors),
/// <c>queries.tsv</c> (the held-out removed sentences), <c>qrels.tsv</c> (each query's passage, relevance 1).</item>
/// <item><c>sentence-rerank/</c> (pair classification for a cross-encoder): <c>text</c> = query, <c>text_b</c> = its
/// passage (label 1) or the next passage of the same document, else a random one (label 0).</item>
/// <item><c>word-overlap/</c> (pair regression): two sentences, a neighbour in the same document or a random one, and
/// the Jaccard overlap of their lower-cased word sets (a decimal in [0, 1]).</item>
/// </list>
/// Tabs and line breaks inside sentences become spaces. The held-out sets never share a passage with training.
/// </summary>
public static class CorpusTasks
{
    sealed record Passage(int Document, int Index, string Query, string Text);

    /// <summary>
    /// Reads <paramref name="corpus"/> and writes the four task folders under <paramref name="outputDir"/> (each file
    /// atomically), under the output-folder rule (<see cref="OutputFolder"/>): a folder of other files is refused before
    /// any work; an earlier <c>make-tasks</c> output is replaced, files beside it are kept.
    /// </summary>
    public static CorpusTaskSummary Build(IReadOnlyList<string> corpus, string outputDir, CorpusTaskOptions? options = null)
    {
        options = (options ?? new CorpusTaskOptions()).Validate();
        OutputFolder.Check(outputDir, Owner, "--out", corpus.Select(c => ((string?)c, "--corpus")).ToArray());
        var rng = new Random(options.Seed);
        var documents = CorpusReader.ReadDocuments(corpus).Select(d => d.Sentences.Select(Clean).Where(s => s.Length > 0).ToList()).ToList();

        var passages = new List<Passage>();
        for (int d = 0; d < documents.Count; d++)
            for (int start = 0, n = 0; start + options.SentencesPerPassage <= documents[d].Count; start += options.SentencesPerPassage, n++)
            {
                var window = documents[d].GetRange(start, options.SentencesPerPassage);
                var candidates = Enumerable.Range(0, window.Count).Where(i => Words(window[i]).Length >= 6).ToList();
                if (candidates.Count == 0) continue;
                int q = candidates[rng.Next(candidates.Count)];
                passages.Add(new Passage(d, n, window[q], string.Join(' ', window.Where((_, i) => i != q))));
            }
        int needed = options.SearchQueries + options.DevPairs + 2;
        if (passages.Count < needed)
            throw new InvalidDataException($"the corpus gives {passages.Count} passages of {options.SentencesPerPassage} sentences, fewer than the {needed} needed; lower the sizes or add text");
        var byPosition = passages.ToDictionary(p => (p.Document, p.Index));
        var drawn = passages.ToArray();
        rng.Shuffle(drawn);
        drawn = drawn.Take(options.Passages).ToArray();
        var search = drawn.Take(options.SearchQueries).ToList();
        var dev = drawn.Skip(options.SearchQueries).Take(options.DevPairs).ToList();
        var train = drawn.Skip(options.SearchQueries + options.DevPairs).ToList();

        var files = new Dictionary<string, int>(StringComparer.Ordinal);
        var pending = new List<(string Name, string? Header, List<string> Lines)>();
        void Write(string name, string? header, IEnumerable<string> lines)
        {
            var list = lines.ToList();
            pending.Add((name, header, list));
            files[name] = list.Count;
        }

        Write("sentence-pairs/train.tsv", "query\tpositive", train.Select(p => $"{p.Query}\t{p.Text}"));
        Write("sentence-pairs/dev.tsv", "query\tpositive", dev.Select(p => $"{p.Query}\t{p.Text}"));

        string DocId(Passage p) => $"d{p.Document}-p{p.Index}";
        Write("sentence-search/docs.jsonl", null, search.Concat(train).OrderBy(p => (p.Document, p.Index))
            .Select(p => JsonSerializer.Serialize(new { id = DocId(p), text = p.Text })));
        Write("sentence-search/queries.tsv", null, search.Select((p, i) => $"q{i + 1}\t{p.Query}"));
        Write("sentence-search/qrels.tsv", null, search.Select((p, i) => $"q{i + 1}\t0\t{DocId(p)}\t1"));

        IEnumerable<string> RerankRows(IEnumerable<Passage> from) => from.SelectMany(p =>
        {
            var negative = byPosition.TryGetValue((p.Document, p.Index + 1), out var next) ? next : passages[rng.Next(passages.Count)];
            if (negative == p) negative = passages[(passages.IndexOf(p) + 1) % passages.Count];
            return new[] { $"{p.Query}\t{p.Text}\t1", $"{p.Query}\t{negative.Text}\t0" };
        });
        Write("sentence-rerank/train.tsv", "text\ttext_b\tlabel", RerankRows(train));
        Write("sentence-rerank/dev.tsv", "text\ttext_b\tlabel", RerankRows(dev));

        var sentences = documents.SelectMany((d, i) => d.Select((s, j) => (Document: i, Index: j, Text: s))).Where(s => Words(s.Text).Length >= 3).ToList();
        var pairs = new List<string>();
        for (int i = 0; i < options.OverlapPairs; i++)
        {
            var a = sentences[rng.Next(sentences.Count)];
            var b = rng.Next(2) == 0 && a.Index + 1 < documents[a.Document].Count
                ? (a.Document, a.Index + 1, documents[a.Document][a.Index + 1])
                : sentences[rng.Next(sentences.Count)];
            pairs.Add($"{a.Text}\t{b.Item3}\t{Jaccard(a.Text, b.Item3).ToString("F3", CultureInfo.InvariantCulture)}");
        }
        int tenth = options.OverlapPairs / 10;
        Write("word-overlap/train.tsv", "text\ttext_b\tlabel", pairs.Skip(2 * tenth));
        Write("word-overlap/dev.tsv", "text\ttext_b\tlabel", pairs.Take(tenth));
        Write("word-overlap/test.tsv", "text\ttext_b\tlabel", pairs.Skip(tenth).Take(tenth));
        OutputFolder.Commit(outputDir, Owner, dir =>
        {
            foreach (var (name, header, lines) in pending)
                AtomicFile.Write(Path.Combine(dir, name), stream =>
                {
                    using var w = new StreamWriter(stream, new UTF8Encoding(false), leaveOpen: true) { NewLine = "\n" };
                    if (header is not null) w.WriteLine(header);
                    foreach (string line in lines) w.WriteLine(line);
                });
        });
        return new CorpusTaskSummary(files);
    }

    /// <summary>The command its output folder's marker names (<see cref="OutputFolder"/>).</summary>
    public const string Owner = "make-tasks";

    /// <summary>|A ∩ B| / |A ∪ B| of the two texts' lower-cased word sets (words: runs of letters and digits).</summary>
    internal static double Jaccard(string a, string b)
    {
        var x = Words(a).ToHashSet(StringComparer.Ordinal);
        var y = Words(b).ToHashSet(StringComparer.Ordinal);
        int union = x.Union(y).Count();
        return union == 0 ? 0 : (double)x.Intersect(y).Count() / union;
    }

    static string[] Words(string text) =>
        text.ToLowerInvariant().Split(text.Where(c => !char.IsLetterOrDigit(c)).Distinct().Append(' ').ToArray(), StringSplitOptions.RemoveEmptyEntries);

    static string Clean(string sentence) => string.Join(' ', sentence.Split(new[] { ' ', '\t', '\r', '\n' }, StringSplitOptions.RemoveEmptyEntries));
}
