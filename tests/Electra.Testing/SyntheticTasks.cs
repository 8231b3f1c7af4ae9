using Electra.FineTuning.QuestionAnswering;

namespace Electra.Testing;

/// <summary>
/// Tiny tasks over the fixture vocabulary (words w100 … w199 are single pieces), learnable in seconds from scratch:
/// a text's label is the keyword it contains; a word's tag is the half of the range it comes from.
/// </summary>
public static class SyntheticTasks
{
    static readonly string[] Keywords = { "w57", "w58", "w59" };
    static readonly string[] Classes = { "red", "green", "blue" };

    /// <summary>Writes train/dev/test.tsv: 8 distractor words with one keyword at a random place; label = the keyword's class.</summary>
    public static string Sequence(string dir, int train = 240, int dev = 60, int seed = 0)
    {
        var rng = new Random(seed);
        return WriteTsv(dir, [("train", train), ("dev", dev), ("test", dev)], "text\tlabel", () =>
        {
            int c = rng.Next(3);
            var words = Enumerable.Range(0, 8).Select(_ => $"w{rng.Next(100, 200)}").ToList();
            words.Insert(rng.Next(words.Count + 1), Keywords[c]);
            return $"{string.Join(' ', words)}\t{Classes[c]}";
        });
    }

    /// <summary>
    /// Writes train/dev/test.tsv of a pair regression task: text = 6 distractor words with one keyword, text_b = 4
    /// distractors; the value is the keyword's (0.0, 0.5 or 1.0, written as decimals so the task is regression).
    /// </summary>
    public static string Regression(string dir, int train = 240, int dev = 60, int seed = 0)
    {
        var rng = new Random(seed);
        string Words(int n) => string.Join(' ', Enumerable.Range(0, n).Select(_ => $"w{rng.Next(100, 200)}"));
        return WriteTsv(dir, [("train", train), ("dev", dev), ("test", dev)], "text\ttext_b\tlabel", () =>
        {
            int c = rng.Next(3);
            return $"{Keywords[c]} {Words(6)}\t{Words(4)}\t{c / 2.0:F1}";
        });
    }

    /// <summary>
    /// Writes train.tsv and dev.tsv of a retrieval task no untrained encoder can solve by word overlap: each positive
    /// is 6 words of w100–w149, its query 3 of them "translated" to w150–w199 (wN → wN+50), which the bi-encoder must learn.
    /// </summary>
    public static string Pairs(string dir, int train = 200, int dev = 40, int seed = 0)
    {
        var rng = new Random(seed);
        return WriteTsv(dir, [("train", train), ("dev", dev)], "query\tpositive", () =>
        {
            var words = Enumerable.Range(0, 6).Select(_ => rng.Next(100, 150)).ToArray();
            return $"{string.Join(' ', words.OrderBy(_ => rng.Next()).Take(3).Select(w => $"w{w + 50}"))}\t{string.Join(' ', words.Select(w => $"w{w}"))}";
        });
    }

    /// <summary>Writes each split's <c>name.tsv</c> into <paramref name="dir"/>: the header, then <c>count</c> rows drawn in order.</summary>
    static string WriteTsv(string dir, (string Name, int Count)[] splits, string header, Func<string> row)
    {
        Directory.CreateDirectory(dir);
        foreach (var (name, count) in splits)
            File.WriteAllLines(Path.Combine(dir, name + ".tsv"), Enumerable.Range(0, count).Select(_ => row()).Prepend(header).ToList());
        return dir;
    }

    /// <summary>Writes train/dev/test.conll: sentences of 3–9 words, tagged LOW (w100–w149) or HIGH (w150–w199).</summary>
    public static string Token(string dir, int train = 120, int dev = 30, int seed = 0)
    {
        Directory.CreateDirectory(dir);
        var rng = new Random(seed);
        foreach (var (name, count) in new[] { ("train", train), ("dev", dev), ("test", dev) })
        {
            var lines = new List<string>();
            for (int i = 0; i < count; i++)
            {
                for (int w = rng.Next(3, 10); w > 0; w--)
                {
                    int n = rng.Next(100, 200);
                    lines.Add($"w{n}\t{(n < 150 ? "LOW" : "HIGH")}");
                }
                lines.Add("");
            }
            File.WriteAllLines(Path.Combine(dir, name + ".conll"), lines);
        }
        return dir;
    }

    /// <summary>
    /// Writes train/dev/test.json, a SQuAD task: the context is 10–30 words from w100 … w199 with one keyword from
    /// w60 … w69 somewhere, the question is "w58 w59", the answer is the keyword; an unanswerable question's context
    /// has no keyword.
    /// </summary>
    public static string Squad(string dir, int train, int eval, double unanswerable = 0, int seed = 0)
    {
        Directory.CreateDirectory(dir);
        var rng = new Random(seed);
        foreach (var (name, count) in new[] { ("train", train), ("dev", eval), ("test", eval) })
        {
            var examples = new List<SquadExample>();
            for (int i = 0; i < count; i++)
            {
                var words = Enumerable.Range(0, rng.Next(10, 31)).Select(_ => $"w{rng.Next(100, 200)}").ToList();
                string id = $"{name}-{i}";
                if (rng.NextDouble() < unanswerable)
                {
                    examples.Add(new SquadExample(id, "w58 w59", string.Join(' ', words), Array.Empty<SquadAnswer>(), true));
                    continue;
                }
                int k = rng.Next(words.Count + 1);
                words.Insert(k, $"w{rng.Next(60, 70)}");
                int start = words.Take(k).Sum(w => w.Length + 1);
                examples.Add(new SquadExample(id, "w58 w59", string.Join(' ', words), new[] { new SquadAnswer(words[k], start) }, false));
            }
            SquadDataset.Write(Path.Combine(dir, name + ".json"), examples, unanswerable > 0);
        }
        return dir;
    }
}
