using System.Text;
using System.Text.Json.Serialization;

namespace Electra.FineTuning.QuestionAnswering;

/// <summary>Exact match and F1 over a set of questions, on SQuAD's 0–100 scale.</summary>
/// <param name="ExactMatch">Percentage of questions whose normalised prediction equals a normalised gold answer.</param>
/// <param name="F1">Mean over questions of the best word-overlap F1 against any gold answer, in percent.</param>
/// <param name="Total">Questions scored.</param>
public sealed record SquadSubset(double ExactMatch, double F1, int Total);

/// <summary>
/// SQuAD's official scores (<c>evaluate-v1.1.py</c>, <c>evaluate-v2.0.py</c>): overall EM/F1, and for SQuAD 2.0 the answerable
/// (<c>HasAns</c>) and unanswerable (<c>NoAns</c>) subsets and the no-answer threshold used.
/// </summary>
/// <param name="ExactMatch">Overall exact match, 0–100.</param>
/// <param name="F1">Overall F1, 0–100.</param>
/// <param name="Total">Questions scored.</param>
/// <param name="HasAns">Questions with answers (SQuAD 2.0 only, else null).</param>
/// <param name="NoAns">Unanswerable questions (SQuAD 2.0 only, else null).</param>
/// <param name="NullScoreDiffThreshold">SQuAD 2.0: "no answer" was predicted where null score − best span score exceeded this; null for 1.1.</param>
public sealed record SquadScores(double ExactMatch, double F1, int Total, SquadSubset? HasAns = null, SquadSubset? NoAns = null, double? NullScoreDiffThreshold = null) : TaskMetrics
{
    /// <summary>Always <c>f1</c>: dev F1 picks the best epoch (not in <c>results.json</c>, whose SQuAD scores are the official script's).</summary>
    [JsonIgnore]
    public override string Metric => "f1";

    /// <summary><see cref="F1"/>.</summary>
    [JsonIgnore]
    public override double Score => F1;

    /// <summary><see cref="Total"/>.</summary>
    [JsonIgnore]
    public override int Count => Total;

    /// <summary>One line for logs: <c>exact_match 71.20 f1 80.05 (n=…)</c> plus the subsets.</summary>
    public override string ToString()
    {
        var s = FormattableString.Invariant($"exact_match {ExactMatch:F2} f1 {F1:F2} (n={Total})");
        if (HasAns is { } h) s += FormattableString.Invariant($" HasAns {h.ExactMatch:F2}/{h.F1:F2} (n={h.Total})");
        if (NoAns is { } n) s += FormattableString.Invariant($" NoAns {n.ExactMatch:F2}/{n.F1:F2} (n={n.Total})");
        if (NullScoreDiffThreshold is double t) s += FormattableString.Invariant($" null threshold {t:F3}");
        return s;
    }
}

/// <summary>
/// The official SQuAD metric, <c>evaluate-v1.1.py</c> or <c>evaluate-v2.0.py</c> to the character: answers are
/// normalised (Python's <c>str.lower()</c>, ASCII punctuation removed, the articles a/an/the removed as whole words by
/// Python's <c>\b</c>, Python's whitespace collapsed; see <see cref="PythonStrings"/>), exact match and bag-of-words
/// F1 are taken against each gold answer and the best kept. The versions differ where an answer normalises to
/// nothing: v2.0 drops such gold answers (an unanswerable question's only gold is "", which an empty prediction
/// matches with F1 1), v1.1 keeps them and gives F1 0 whenever no word is shared.
/// </summary>
internal static class SquadMetrics
{
    static readonly HashSet<string> Articles = new(StringComparer.Ordinal) { "a", "an", "the" };
    const string Punctuation = "!\"#$%&'()*+,-./:;<=>?@[\\]^_`{|}~"; // Python's string.punctuation

    /// <summary>SQuAD's <c>normalize_answer</c> (the same in both versions).</summary>
    public static string Normalize(string s)
    {
        var kept = new StringBuilder(s.Length);
        foreach (char c in PythonStrings.Lower(s))
            if (Punctuation.IndexOf(c) < 0) kept.Append(c);
        return string.Join(' ', PythonStrings.Split(PythonStrings.ReplaceWholeWords(kept.ToString(), Articles)));
    }

    /// <summary>1 when the normalised strings are equal, else 0.</summary>
    public static double ExactMatch(string gold, string prediction) => Normalize(gold) == Normalize(prediction) ? 1 : 0;

    /// <summary>
    /// Word-overlap F1 of the normalised strings. When either has no words, SQuAD 2.0 gives 1 if both have none, else 0;
    /// SQuAD 1.1 gives 0 (no word shared).
    /// </summary>
    public static double F1(string gold, string prediction, bool version2 = true)
    {
        var g = PythonStrings.Split(Normalize(gold));
        var p = PythonStrings.Split(Normalize(prediction));
        if (version2 && (g.Length == 0 || p.Length == 0)) return g.Length == p.Length ? 1 : 0;
        var counts = g.GroupBy(w => w, StringComparer.Ordinal).ToDictionary(x => x.Key, x => x.Count(), StringComparer.Ordinal);
        int same = 0;
        foreach (var w in p)
            if (counts.TryGetValue(w, out int c) && c > 0)
            {
                counts[w] = c - 1;
                same++;
            }
        if (same == 0) return 0;
        double precision = (double)same / p.Length, recall = (double)same / g.Length;
        return 2 * precision * recall / (precision + recall);
    }

    /// <summary>
    /// The gold answers a prediction is compared with: v2.0 keeps those not empty after normalisation, or "" for none;
    /// v1.1 keeps every one ("" when the question has none).
    /// </summary>
    static IReadOnlyList<string> Gold(SquadExample e, bool version2)
    {
        var gold = e.Answers.Select(a => a.Text).Where(t => !version2 || Normalize(t).Length > 0).ToList();
        return gold.Count > 0 ? gold : new[] { "" };
    }

    /// <summary>Per-question (EM, F1), each the best over the gold answers, 0/1 scale, by the rules of SQuAD 2.0 or 1.1.</summary>
    public static (double Exact, double F1) Score(SquadExample example, string prediction, bool version2 = true)
    {
        var gold = Gold(example, version2);
        return (gold.Max(g => ExactMatch(g, prediction)), gold.Max(g => F1(g, prediction, version2)));
    }

    /// <summary>
    /// Scores <paramref name="predictions"/> (question id → answer text, "" for no answer) on every example by the rules
    /// of <c>evaluate-v2.0.py</c> (<paramref name="version2"/>) or <c>evaluate-v1.1.py</c>; a missing prediction is an
    /// error naming the question (the official scripts score it 0 or skip it).
    /// </summary>
    public static SquadScores Evaluate(IReadOnlyList<SquadExample> examples, IReadOnlyDictionary<string, string> predictions, bool version2, double? threshold = null)
    {
        if (examples.Count == 0) throw new ArgumentException("no questions to score");
        var scores = examples.Select(e => predictions.TryGetValue(e.Id, out var p)
            ? Score(e, p, version2)
            : throw new ArgumentException($"no prediction for question {e.Id}")).ToList();
        SquadSubset Subset(Func<SquadExample, bool> keep)
        {
            var picked = examples.Select((e, i) => (e, i)).Where(x => keep(x.e)).Select(x => scores[x.i]).ToList();
            return picked.Count == 0 ? new SquadSubset(0, 0, 0) : new SquadSubset(100 * picked.Average(s => s.Exact), 100 * picked.Average(s => s.F1), picked.Count);
        }
        var all = Subset(_ => true);
        return version2
            ? new SquadScores(all.ExactMatch, all.F1, all.Total, Subset(e => !e.IsImpossible), Subset(e => e.IsImpossible), threshold)
            : new SquadScores(all.ExactMatch, all.F1, all.Total);
    }

    /// <summary>
    /// SQuAD 2.0's <c>find_best_thresh</c> on the F1 score: given each question's best non-empty answer and its
    /// null-score difference (null score − best span score; higher means "more likely unanswerable"), the threshold
    /// above which predicting "no answer" maximises F1. Where answering nothing at all is best, the threshold is set
    /// below every difference (the official script reports 0.0 there, which does not reproduce its own score).
    /// </summary>
    public static double BestThreshold(IReadOnlyList<SquadExample> examples, IReadOnlyList<string> answers, IReadOnlyList<double> nullScoreDiffs)
    {
        if (examples.Count == 0) throw new ArgumentException("no questions to choose a threshold on");
        var order = Enumerable.Range(0, examples.Count).OrderBy(i => nullScoreDiffs[i]).ToArray();
        double current = examples.Count(e => e.IsImpossible), best = current;
        double lowest = nullScoreDiffs[order[0]], threshold = double.IsFinite(lowest) ? lowest - 1 : 0;
        foreach (int i in order)
        {
            if (!examples[i].IsImpossible) current += Score(examples[i], answers[i]).F1;
            else if (answers[i].Length > 0) current -= 1;
            if (current > best)
            {
                best = current;
                threshold = nullScoreDiffs[i];
            }
        }
        return threshold;
    }
}
