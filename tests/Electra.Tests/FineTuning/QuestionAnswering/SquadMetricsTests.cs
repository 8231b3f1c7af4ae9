using System.Text.Json;
using Electra.FineTuning.QuestionAnswering;

namespace Electra.Tests.FineTuning.QuestionAnswering;

public class SquadMetricsTests
{
    static SquadExample Q(string id, params string[] gold) =>
        new(id, "q", "ctx", gold.Select(g => new SquadAnswer(g, 0)).ToList(), gold.Length == 0);

    [Theory]
    [InlineData("The  Quick, brown fox!", "quick brown fox")]
    [InlineData("an apple a day", "apple day")]
    [InlineData("Theory of the atom", "theory of atom")] // 'the' inside a word stays
    [InlineData("  Santa\tClara,\nCalifornia. ", "santa clara california")]
    [InlineData("rock-'n'-roll", "rocknroll")]
    public void Normalisation_is_squads(string text, string normalised) => Assert.Equal(normalised, SquadMetrics.Normalize(text));

    /// <summary>
    /// Unicode edge cases (final sigma, İ, \b beside combining marks/ZWJ/superscripts, Python's whitespace) and answers
    /// that normalise to nothing, with the normalisation and per-question scores of the official evaluate-v1.1.py and
    /// evaluate-v2.0.py, written by Data/squad_unicode_cases.py.
    /// </summary>
    [Fact]
    public void Normalisation_and_scores_equal_the_official_scripts_on_unicode_edge_cases()
    {
        string path = Path.Combine(TestPaths.RepoRoot, "tests", "Electra.Tests", "FineTuning", "QuestionAnswering", "Data", "squad-unicode-cases.json");
        using var cases = JsonDocument.Parse(File.ReadAllText(path));
        var wrong = new List<string>();
        foreach (var c in cases.RootElement.EnumerateArray())
        {
            string what = c.GetProperty("what").GetString()!, prediction = c.GetProperty("prediction").GetString()!;
            var example = new SquadExample("q", "q", "ctx", c.GetProperty("gold").EnumerateArray().Select(g => new SquadAnswer(g.GetString()!, 0)).ToList(), false);
            if (SquadMetrics.Normalize(prediction) != c.GetProperty("normalized").GetString()) wrong.Add($"{what}: normalised '{SquadMetrics.Normalize(prediction)}'");
            foreach (var (version, v2) in new[] { ("v1", false), ("v2", true) })
            {
                var expected = c.GetProperty(version);
                var (exact, f1) = SquadMetrics.Score(example, prediction, v2);
                if (exact != expected.GetProperty("exact").GetDouble() || Math.Abs(f1 - expected.GetProperty("f1").GetDouble()) > 1e-12)
                    wrong.Add($"{what}: {version} EM {exact} F1 {f1}");
            }
        }
        Assert.True(cases.RootElement.GetArrayLength() >= 32);
        Assert.Empty(wrong);
    }

    [Fact]
    public void Squad_1_1_keeps_gold_answers_that_normalise_to_nothing()
    {
        var examples = new[] { Q("e", "the"), Q("p", "an", "Paris") };
        var predictions = new Dictionary<string, string> { ["e"] = "", ["p"] = "paris" };
        var v1 = SquadMetrics.Evaluate(examples, predictions, version2: false);
        var v2 = SquadMetrics.Evaluate(examples, predictions, version2: true);
        Assert.Equal((100, 50), (v1.ExactMatch, v1.F1)); // evaluate-v1.1.py: "" equals "the" normalised, but shares no word
        Assert.Equal((100, 100), (v2.ExactMatch, v2.F1)); // evaluate-v2.0.py drops "the": the only gold left is ""
    }

    [Fact]
    public void Exact_match_and_f1_against_hand_computed_values()
    {
        Assert.Equal(1, SquadMetrics.ExactMatch("Steve Smith", "steve smith."));
        Assert.Equal(0, SquadMetrics.ExactMatch("Steve Smith", "Steve Smith's"));
        // gold {cat, sat, on, mat}, prediction {cat, sat}: P 1, R 1/2 → F1 2/3
        Assert.Equal(2.0 / 3, SquadMetrics.F1("the cat sat on the mat", "cat sat"), 12);
        // duplicates count once per occurrence: gold {x, y, y}, prediction {y, y, y, z}: 2 shared, P 2/4, R 2/3 → 4/7
        Assert.Equal(4.0 / 7, SquadMetrics.F1("x y y", "y y y z"), 12);
        Assert.Equal(0, SquadMetrics.F1("x", "z"));
        Assert.Equal(1, SquadMetrics.F1("", "the")); // both empty after normalisation
        Assert.Equal(0, SquadMetrics.F1("", "x"));
    }

    [Fact]
    public void Evaluate_takes_the_best_gold_answer_and_splits_squad2_into_has_and_no_answer()
    {
        var examples = new[]
        {
            Q("q1", "Denver Broncos", "The Denver Broncos"),
            Q("q2", "Santa Clara, California"),
            Q("q3"), // unanswerable
            Q("q4"),
        };
        var predictions = new Dictionary<string, string> { ["q1"] = "denver broncos", ["q2"] = "Santa Clara", ["q3"] = "", ["q4"] = "Levi's Stadium" };
        var s = SquadMetrics.Evaluate(examples, predictions, version2: true, threshold: 1.5);
        // EM 1, 0, 1, 0; F1 1, 0.8 (P 1, R 2/3), 1, 0
        Assert.Equal(50, s.ExactMatch, 9);
        Assert.Equal(70, s.F1, 9);
        Assert.Equal(4, s.Total);
        Assert.Equal(new SquadSubset(50, 90, 2), s.HasAns! with { F1 = Math.Round(s.HasAns!.F1, 9) });
        Assert.Equal(new SquadSubset(50, 50, 2), s.NoAns);
        Assert.Equal(1.5, s.NullScoreDiffThreshold);
        Assert.Contains("exact_match 50.00 f1 70.00 (n=4) HasAns 50.00/90.00 (n=2) NoAns 50.00/50.00 (n=2)", s.ToString());

        var v1 = SquadMetrics.Evaluate(examples[..2], predictions, version2: false);
        Assert.Equal((50, 90), (v1.ExactMatch, Math.Round(v1.F1, 9)));
        Assert.Null(v1.HasAns);
        var e = Assert.Throws<ArgumentException>(() => SquadMetrics.Evaluate(examples, new Dictionary<string, string>(), false));
        Assert.Contains("no prediction for question q1", e.Message);
    }

    [Fact]
    public void The_null_threshold_is_the_official_best_f1_threshold()
    {
        // A answerable and right (diff −2), B unanswerable but answered (1), C answerable and right (3).
        var examples = new[] { Q("A", "x"), Q("B"), Q("C", "z") };
        var texts = new[] { "x", "y", "z" };
        var diffs = new[] { -2.0, 1.0, 3.0 };
        // All null: 1 right. Answer A: 2. Answer B too: 1. Answer C too: 2 (not better). Best: answer only diff ≤ −2.
        double threshold = SquadMetrics.BestThreshold(examples, texts, diffs);
        Assert.Equal(-2.0, threshold);
        var predictions = examples.Select((e, i) => new AnswerPrediction(texts[i], 0, diffs[i])).ToList();
        var answers = AnswerDecoder.Answers(examples, predictions, version2: true, threshold);
        Assert.Equal(new[] { "x", "", "" }, examples.Select(e => answers[e.Id]));
        Assert.Equal(200.0 / 3, SquadMetrics.Evaluate(examples, answers, true).F1, 9);
        Assert.Equal("y", AnswerDecoder.Answers(examples, predictions, version2: false, threshold)["B"]); // 1.1 always answers

        // Answering nothing is best: the threshold lies below every difference, so every question gets "".
        var none = SquadMetrics.BestThreshold(new[] { Q("B"), Q("D") }, new[] { "y", "w" }, new[] { 0.5, 2.0 });
        Assert.True(none < 0.5);
    }
}
