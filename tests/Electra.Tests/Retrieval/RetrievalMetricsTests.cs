using Electra.FineTuning;

namespace Electra.Tests.Retrieval;

public class RetrievalMetricsTests
{
    static IReadOnlyDictionary<string, IReadOnlyDictionary<string, int>> Qrels(params (string Query, string Doc, int Relevance)[] judgments) =>
        judgments.GroupBy(j => j.Query).ToDictionary(g => g.Key, g => (IReadOnlyDictionary<string, int>)g.ToDictionary(j => j.Doc, j => j.Relevance));

    [Fact]
    public void Mrr_recall_and_ndcg_match_hand_computed_values()
    {
        var run = new Dictionary<string, IReadOnlyList<string>>
        {
            ["q1"] = new[] { "a", "b", "c" }, // first relevant (b) at rank 2
            ["q2"] = new[] { "x", "y", "z" }, // nothing relevant retrieved
            ["q3"] = new[] { "m", "n", "o" }, // graded: m rel 1 at rank 1, o rel 2 at rank 3; p (rel 1) missed
        };
        var qrels = Qrels(("q1", "b", 1), ("q1", "d", 1), ("q2", "w", 1), ("q3", "m", 1), ("q3", "o", 2), ("q3", "p", 1), ("q4", "a", 0));
        var m = RetrievalMetrics.Compute(run, qrels, k: 3);
        // q4 has no relevant document and is not counted.
        Assert.Equal(3, m.Count);
        Assert.Equal((0.5 + 0 + 1) / 3, m.MrrAt10, 12);
        Assert.Equal((0.5 + 0 + 2.0 / 3) / 3, m.RecallAtK, 12);
        // q1: DCG 1/log2(3), ideal 1 + 1/log2(3). q3: DCG 1 + 2/log2(4) = 2, ideal 2 + 1/log2(3) + 1/log2(4).
        double q1 = (1 / Math.Log2(3)) / (1 + 1 / Math.Log2(3));
        double q3 = 2 / (2 + 1 / Math.Log2(3) + 0.5);
        Assert.Equal((q1 + 0 + q3) / 3, m.NdcgAt10, 12);
        Assert.Equal("mrr_at_10", m.Metric);
        Assert.Equal(m.MrrAt10, m.Score);
    }

    [Fact]
    public void Recall_counts_only_the_top_k_and_a_judged_query_missing_from_the_run_scores_zero()
    {
        var run = new Dictionary<string, IReadOnlyList<string>> { ["q1"] = new[] { "a", "b", "c", "d" } };
        var qrels = Qrels(("q1", "c", 1), ("q2", "a", 1));
        var at2 = RetrievalMetrics.Compute(run, qrels, k: 2);
        Assert.Equal(0, at2.RecallAtK);
        Assert.Equal(1.0 / 3 / 2, at2.MrrAt10, 12); // q1: 1/3, q2: 0
        Assert.Equal(0.5, RetrievalMetrics.Compute(run, qrels, k: 3).RecallAtK, 12);
        Assert.Throws<ArgumentException>(() => RetrievalMetrics.Compute(run, Qrels(("q1", "a", 0)), 3));
    }
}
