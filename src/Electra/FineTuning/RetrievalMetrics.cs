using System.Text.Json.Serialization;

namespace Electra.FineTuning;

/// <summary>
/// Ranking quality of a run against relevance judgments (qrels), averaged over the queries that have at least one
/// relevant document (relevance &gt; 0); a judged query missing from the run counts as retrieving nothing, as
/// <c>trec_eval -c</c> does. Per query:
/// <list type="bullet">
/// <item>MRR@10: 1/rank of the first relevant document among the top 10, 0 if none (MS MARCO's measure).</item>
/// <item>Recall@k: the fraction of its relevant documents found in the top <see cref="K"/>.</item>
/// <item>nDCG@10: Σ gainᵢ / log₂(i + 1) over the top 10 with the judged relevance as gain (trec_eval's linear gain),
/// divided by the same sum for the ideal order of its judgments.</item>
/// </list>
/// The headline <see cref="Metric"/> is MRR@10. When the run holds fewer than 10 documents per query the @10
/// measures see only those.
/// </summary>
/// <param name="MrrAt10">Mean reciprocal rank of the first relevant document, cut at 10.</param>
/// <param name="RecallAtK">Mean recall over the top <paramref name="K"/>.</param>
/// <param name="NdcgAt10">Mean normalised discounted cumulative gain, cut at 10.</param>
/// <param name="K">The depth of <paramref name="RecallAtK"/>.</param>
/// <param name="Count">Number of queries evaluated.</param>
public sealed record RetrievalMetrics([property: JsonPropertyName("mrr_at_10")] double MrrAt10, double RecallAtK,
    [property: JsonPropertyName("ndcg_at_10")] double NdcgAt10, int K, int Count) : TaskMetrics
{
    /// <inheritdoc/>
    [JsonPropertyOrder(-2)] public override string Metric => "mrr_at_10";

    /// <inheritdoc/>
    [JsonPropertyOrder(-1)] public override double Score => MrrAt10;

    /// <inheritdoc/>
    public override int Count { get; } = Count;

    /// <summary>
    /// Scores <paramref name="run"/> (document ids per query id, best first) against <paramref name="qrels"/>
    /// (relevance per document id per query id), with recall at <paramref name="k"/>.
    /// </summary>
    public static RetrievalMetrics Compute(IReadOnlyDictionary<string, IReadOnlyList<string>> run,
        IReadOnlyDictionary<string, IReadOnlyDictionary<string, int>> qrels, int k)
    {
        if (k < 1) throw new ArgumentOutOfRangeException(nameof(k), k, "must be ≥ 1");
        double mrr = 0, recall = 0, ndcg = 0;
        int count = 0;
        foreach (var (query, judged) in qrels)
        {
            int relevant = judged.Values.Count(r => r > 0);
            if (relevant == 0) continue;
            count++;
            var ranked = run.TryGetValue(query, out var r) ? r : Array.Empty<string>();
            int Relevance(string doc) => judged.TryGetValue(doc, out int rel) ? Math.Max(rel, 0) : 0;
            int first = ranked.Take(10).ToList().FindIndex(d => Relevance(d) > 0);
            if (first >= 0) mrr += 1.0 / (first + 1);
            recall += (double)ranked.Take(k).Distinct().Count(d => Relevance(d) > 0) / relevant;
            double dcg = ranked.Take(10).Select((d, i) => Relevance(d) / Math.Log2(i + 2)).Sum();
            double ideal = judged.Values.Where(v => v > 0).OrderDescending().Take(10).Select((g, i) => g / Math.Log2(i + 2)).Sum();
            ndcg += dcg / ideal;
        }
        if (count == 0) throw new ArgumentException("no query has a relevant document in the judgments: nothing to score");
        return new RetrievalMetrics(mrr / count, recall / count, ndcg / count, k, count);
    }

    /// <summary>"MRR@10 0.4123 Recall@10 0.6500 nDCG@10 0.4700 (n=200)".</summary>
    public override string ToString() => FormattableString.Invariant($"MRR@10 {MrrAt10:F4} Recall@{K} {RecallAtK:F4} nDCG@10 {NdcgAt10:F4} (n={Count})");
}
