using static TorchSharp.torch;

namespace Electra.Retrieval;

/// <summary>
/// Exact (brute-force) cosine search: every document vector is L2-normalised once, and a query's scores are its
/// normalised vector's dot products with all of them; the top k come from a full sort of those scores (ties broken by
/// the lower document index), so the result is exactly the k best, no approximation. [N, H] in memory.
/// </summary>
public sealed class DenseIndex : IDisposable
{
    readonly Tensor documents; // [N, H] unit rows

    /// <summary>Indexes <paramref name="vectors"/> (all of one dimension) under <paramref name="ids"/>.</summary>
    public DenseIndex(IReadOnlyList<string> ids, IReadOnlyList<float[]> vectors)
    {
        if (ids.Count != vectors.Count) throw new ArgumentException($"{ids.Count} ids but {vectors.Count} vectors");
        if (ids.Count == 0) throw new ArgumentException("an index needs at least one document");
        int h = vectors[0].Length;
        int bad = vectors.ToList().FindIndex(v => v.Length != h);
        if (bad >= 0) throw new ArgumentException($"document '{ids[bad]}' has a vector of {vectors[bad].Length} values, the first has {h}");
        Ids = ids.ToArray();
        using var raw = tensor(vectors.SelectMany(v => v).ToArray(), new long[] { ids.Count, h });
        documents = nn.functional.normalize(raw, dim: 1);
    }

    /// <summary>Document ids by index.</summary>
    public IReadOnlyList<string> Ids { get; }

    /// <summary>The vectors' dimension.</summary>
    public int Dimension => (int)documents.shape[1];

    /// <summary>
    /// The <paramref name="k"/> (at most the index size) documents most cosine-similar to each query, best first, as
    /// (document index, cosine) pairs.
    /// </summary>
    public (int Document, float Score)[][] Search(IReadOnlyList<float[]> queries, int k, int batchSize = 256)
    {
        if (k < 1) throw new ArgumentOutOfRangeException(nameof(k), k, "must be ≥ 1");
        int bad = queries.ToList().FindIndex(q => q.Length != Dimension);
        if (bad >= 0) throw new ArgumentException($"query {bad} has {queries[bad].Length} values but the index's vectors have {Dimension}");
        int take = Math.Min(k, Ids.Count);
        var result = new (int, float)[queries.Count][];
        for (int start = 0; start < queries.Count; start += batchSize)
        {
            using var scope = NewDisposeScope();
            int n = Math.Min(batchSize, queries.Count - start);
            var q = nn.functional.normalize(tensor(queries.Skip(start).Take(n).SelectMany(v => v).ToArray(), new long[] { n, Dimension }), dim: 1); // [n, H]
            var scores = q.matmul(documents.t()); // [n, N]
            var (sorted, order) = scores.sort(dim: 1, descending: true, stable: true); // [n, N]
            var topScores = sorted.narrow(1, 0, take).data<float>().ToArray(); // sync: the hits are the output
            var topIds = order.narrow(1, 0, take).data<long>().ToArray();
            for (int r = 0; r < n; r++)
                result[start + r] = Enumerable.Range(0, take).Select(j => ((int)topIds[r * take + j], topScores[r * take + j])).ToArray();
        }
        return result;
    }

    /// <summary>Frees the document matrix.</summary>
    public void Dispose() => documents.Dispose();
}
