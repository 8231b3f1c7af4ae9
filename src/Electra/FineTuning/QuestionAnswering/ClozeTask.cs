using System.Text.RegularExpressions;
using Electra.Data;
using Electra.IO;

namespace Electra.FineTuning.QuestionAnswering;

/// <summary>Sizes and mix of a generated cloze task.</summary>
public sealed record ClozeTaskOptions
{
    /// <summary>Training questions.</summary>
    public int Train { get; init; } = 2000;

    /// <summary>Dev questions.</summary>
    public int Dev { get; init; } = 300;

    /// <summary>Test questions.</summary>
    public int Test { get; init; } = 300;

    /// <summary>Fraction of unanswerable questions (a sentence from another paragraph); above 0 the task is SQuAD 2.0.</summary>
    public double Unanswerable { get; init; }

    /// <summary>Sentences per paragraph (the context).</summary>
    public int SentencesPerParagraph { get; init; } = 4;

    /// <summary>Seeds the choice of paragraphs, sentences and words.</summary>
    public int Seed { get; init; }

    /// <summary>Throws naming the first value no run could want.</summary>
    public ClozeTaskOptions Validate()
    {
        if (Train < 1 || Dev < 1 || Test < 0) throw new ArgumentException($"question counts must be ≥ 1 for train and dev and ≥ 0 for test (got {Train}, {Dev}, {Test})");
        if (!(Unanswerable >= 0 && Unanswerable < 1)) throw new ArgumentException($"the unanswerable fraction must be in [0, 1) (got {Unanswerable})");
        if (SentencesPerParagraph < 2) throw new ArgumentException($"a paragraph needs ≥ 2 sentences (got {SentencesPerParagraph})");
        return this;
    }
}

/// <summary>
/// Builds a small SQuAD-format task from any plain-text corpus, to show that the question-answering machinery
/// (windows, offsets, labels, decoding, the no-answer threshold, metrics) works end to end; it measures no world
/// knowledge. A context is a run of consecutive sentences of one document; the question is one of its sentences with
/// one content word (letters only, ≥ 4 characters, not a stop word, occurring once in the context) replaced by
/// <c>_</c>; the answer is that word where it stands in the context. An unanswerable question (SQuAD 2.0) blanks a
/// sentence of another paragraph. The splits use disjoint paragraphs.
/// </summary>
public static class ClozeTask
{
    /// <summary>What stands for the blanked word in a question.</summary>
    public const string Blank = "_";

    static readonly Regex Word = new(@"\b[A-Za-z]{4,}\b", RegexOptions.CultureInvariant);

    static readonly HashSet<string> StopWords = new(StringComparer.OrdinalIgnoreCase)
    {
        "that", "this", "with", "from", "have", "they", "were", "been", "their", "which", "would", "there", "will",
        "when", "what", "more", "into", "than", "some", "them", "only", "also", "then", "these", "such", "other",
        "upon", "could", "should", "must", "shall", "very", "your", "said", "about", "those", "where", "while",
        "being", "here", "each", "even", "most", "much", "over", "just", "like", "does", "made", "many", "before",
        "after", "under", "through", "because", "against", "between", "without", "within",
    };

    /// <summary>The command its output folder's marker names (<see cref="OutputFolder"/>).</summary>
    public const string Owner = "squad-cloze";

    /// <summary>
    /// Reads <paramref name="corpus"/> (files or folders, <see cref="CorpusReader"/>'s formats) and writes
    /// <c>train.json</c>, <c>dev.json</c> and <c>test.json</c> into <paramref name="outputDir"/>, each atomically, under
    /// the output-folder rule (<see cref="OutputFolder"/>: a folder of other files is refused before any work; an
    /// earlier <c>squad-cloze</c> output is replaced, files beside it are kept). Returns the number of questions per split.
    /// </summary>
    public static (int Train, int Dev, int Test) Write(IReadOnlyList<string> corpus, string outputDir, ClozeTaskOptions options)
    {
        options.Validate();
        OutputFolder.Check(outputDir, Owner, "--out", corpus.Select(c => ((string?)c, "--corpus")).ToArray());
        var names = new[] { "train", "dev", "test" };
        var splits = Build(CorpusReader.ReadDocuments(corpus), options);
        bool v2 = options.Unanswerable > 0;
        OutputFolder.Commit(outputDir, Owner, dir =>
        {
            for (int i = 0; i < names.Length; i++)
                SquadDataset.Write(Path.Combine(dir, names[i] + ".json"), splits[i], v2, title: $"cloze-{names[i]}");
        });
        return (splits[0].Count, splits[1].Count, splits[2].Count);
    }

    /// <summary>The questions of the three splits (train, dev, test), from <paramref name="documents"/>.</summary>
    public static IReadOnlyList<SquadExample>[] Build(IEnumerable<CorpusDocument> documents, ClozeTaskOptions options)
    {
        options.Validate();
        var rng = new Random(options.Seed);
        int k = options.SentencesPerParagraph;
        var paragraphs = documents
            .SelectMany(d => d.Sentences.Chunk(k).Where(c => c.Length == k))
            .Where(p => p.Sum(s => s.Length) is > 150 and < 1500)
            .ToList();
        rng.Shuffle(System.Runtime.InteropServices.CollectionsMarshal.AsSpan(paragraphs));
        int[] wanted = { options.Train, options.Dev, options.Test };
        int need = wanted.Sum();
        if (paragraphs.Count < need + 1)
            throw new InvalidDataException($"the corpus has {paragraphs.Count} paragraphs of {k} sentences, fewer than the {need} questions asked for (one question per paragraph)");
        var result = new IReadOnlyList<SquadExample>[3];
        string[] names = { "train", "dev", "test" };
        int next = 0;
        for (int split = 0; split < 3; split++)
        {
            // Each split draws its paragraphs, and its unanswerable questions' sentences, from its own share of the corpus.
            int share = (paragraphs.Count - 1) * wanted[split] / need;
            var pool = paragraphs.GetRange(next, Math.Min(paragraphs.Count - next, Math.Max(share, wanted[split])));
            next += pool.Count;
            var examples = new List<SquadExample>();
            for (int p = 0; p < pool.Count && examples.Count < wanted[split]; p++)
            {
                string context = string.Join(" ", pool[p]);
                bool impossible = rng.NextDouble() < options.Unanswerable;
                string id = $"{names[split]}-{examples.Count + 1:D5}";
                var example = impossible
                    ? Unanswerable(id, context, pool[(p + 1 + rng.Next(pool.Count - 1)) % pool.Count], rng)
                    : Answerable(id, context, pool[p], rng);
                if (example is not null) examples.Add(example);
            }
            if (examples.Count < wanted[split])
                throw new InvalidDataException($"only {examples.Count} {names[split]} questions could be made (sentences need a content word found once in their paragraph); ask for fewer or give a larger corpus");
            result[split] = examples;
        }
        return result;
    }

    static SquadExample? Answerable(string id, string context, string[] sentences, Random rng)
    {
        int s = rng.Next(sentences.Length);
        int sentenceStart = sentences.Take(s).Sum(x => x.Length + 1);
        var words = Candidates(sentences[s], context);
        if (words.Count == 0) return null;
        var word = words[rng.Next(words.Count)];
        return new SquadExample(id, Question(sentences[s], word), context, new[] { new SquadAnswer(word.Value, sentenceStart + word.Index) }, false);
    }

    static SquadExample? Unanswerable(string id, string context, string[] other, Random rng)
    {
        string sentence = other[rng.Next(other.Length)];
        if (context.Contains(sentence, StringComparison.Ordinal)) return null;
        var words = Candidates(sentence, sentence);
        if (words.Count == 0) return null;
        return new SquadExample(id, Question(sentence, words[rng.Next(words.Count)]), context, Array.Empty<SquadAnswer>(), true);
    }

    /// <summary>Content words of <paramref name="sentence"/> occurring once in <paramref name="context"/> (case-insensitive, whole word); sentences of 5–30 words only.</summary>
    static List<Match> Candidates(string sentence, string context)
    {
        int wordCount = sentence.Split(' ', StringSplitOptions.RemoveEmptyEntries).Length;
        if (wordCount is < 5 or > 30) return new List<Match>();
        return Word.Matches(sentence)
            .Where(m => !StopWords.Contains(m.Value))
            .Where(m => Regex.Matches(context, $@"\b{m.Value}\b", RegexOptions.IgnoreCase | RegexOptions.CultureInvariant).Count == 1)
            .ToList();
    }

    static string Question(string sentence, Match word) => sentence[..word.Index] + Blank + sentence[(word.Index + word.Length)..];
}
