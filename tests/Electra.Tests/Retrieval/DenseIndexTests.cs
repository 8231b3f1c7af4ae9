using Electra.Retrieval;

namespace Electra.Tests.Retrieval;

public class DenseIndexTests
{
    [Fact]
    public void Search_returns_exactly_the_top_k_by_cosine()
    {
        var rng = new Random(5);
        float[] Vector() => Enumerable.Range(0, 8).Select(_ => (float)(rng.NextDouble() * 2 - 1)).ToArray();
        var docs = Enumerable.Range(0, 50).Select(_ => Vector()).ToList();
        var queries = Enumerable.Range(0, 7).Select(_ => Vector()).ToList();
        using var index = new DenseIndex(docs.Select((_, i) => $"d{i}").ToList(), docs);
        var hits = index.Search(queries, 5, batchSize: 3);
        static double Cosine(float[] a, float[] b) =>
            a.Zip(b, (x, y) => (double)x * y).Sum() / Math.Sqrt(a.Sum(x => (double)x * x) * b.Sum(x => (double)x * x));
        for (int q = 0; q < queries.Count; q++)
        {
            var expected = docs.Select((d, i) => (i, Cosine(queries[q], d))).OrderByDescending(x => x.Item2).Take(5).ToList();
            Assert.Equal(expected.Select(e => e.i), hits[q].Select(h => h.Document));
            Assert.All(hits[q].Zip(expected), p => Assert.Equal(p.Second.Item2, p.First.Score, 5));
        }
    }

    [Fact]
    public void A_document_that_equals_the_query_comes_first_and_k_is_capped_at_the_index_size()
    {
        var docs = new List<float[]> { new float[] { 1, 0 }, new float[] { 0, 1 }, new float[] { 1, 1 } };
        using var index = new DenseIndex(new[] { "x", "y", "xy" }, docs);
        var hits = index.Search(new[] { new float[] { 2, 2 } }, 10);
        Assert.Equal(3, hits[0].Length);
        Assert.Equal(2, hits[0][0].Document);
        Assert.Equal(1f, hits[0][0].Score, 5);
        Assert.Contains("has 3 values", Assert.Throws<ArgumentException>(() => index.Search(new[] { new float[] { 1, 2, 3 } }, 1)).Message);
        Assert.Contains("document 'b'", Assert.Throws<ArgumentException>(() => new DenseIndex(new[] { "a", "b" }, new[] { new float[] { 1 }, new float[] { 1, 2 } })).Message);
    }
}
