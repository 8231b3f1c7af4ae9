using System.Text.Json;
using Electra.Interop;
using Electra.Native;
using Electra.Retrieval;

namespace Electra.Cli;

/// <summary>
/// `electra search`: exact cosine top-k of every query over a document index with a (bi-)encoder, optionally
/// re-ranked by a cross-encoder; writes a TREC run and, with qrels, prints and writes MRR@10, Recall@k and nDCG@10.
/// </summary>
static class SearchCommand
{
    public const string Usage = "electra search --model DIR --index DOCS.jsonl --queries Q.tsv --output RUN.tsv [--k 10] [--rerank CROSS_DIR] [--qrels QRELS.tsv] [--metrics FILE.json] [--pooling mean|cls] [--batch B] [--max-length L]";

    public static int Run(Args a)
    {
        string model = a.Required("model");
        string indexPath = a.Required("index");
        string queriesPath = a.Required("queries");
        string output = a.Required("output");
        int k = a.Int("k", 10, min: 1);
        string? rerank = a.Optional("rerank");
        string? qrelsPath = a.Optional("qrels");
        string metricsPath = a.Optional("metrics") ?? Path.ChangeExtension(output, ".metrics.json");
        var pooling = EmbedCommand.ReadPooling(a);
        int batch = a.Int("batch", 64, min: 1);
        int maxLength = a.Int("max-length", 128, min: 3);
        a.EnsureAllUsed();
        if (qrelsPath is not null && Path.GetFullPath(metricsPath) == Path.GetFullPath(output))
            throw new UsageException("--metrics must differ from --output");

        // Every input is read and checked before any model is loaded.
        var documents = RetrievalFiles.ReadDocuments(indexPath);
        var queries = RetrievalFiles.ReadQueries(queriesPath);
        var qrels = qrelsPath is null ? null : RetrievalFiles.ReadQrels(qrelsPath);
        if (rerank is not null && documents.FirstOrDefault(d => d.Text is null) is { } bare)
            throw new InvalidDataException($"{indexPath}:{bare.Line}: document '{bare.Id}' has no \"text\", which --rerank needs");

        TorchRuntime.EnsureLoaded();
        using var encoder = SentenceEncoder.Load(model, pooling);
        int length = Math.Min(maxLength, encoder.Config.MaxPositionEmbeddings);
        if (documents.FirstOrDefault(d => d.Vector is not null && d.Vector.Length != encoder.Config.HiddenSize) is { } wrong)
            throw new InvalidDataException($"{indexPath}:{wrong.Line}: document '{wrong.Id}' has a vector of {wrong.Vector!.Length} values but {model} makes {encoder.Config.HiddenSize}");
        var toEmbed = documents.Where(d => d.Vector is null).ToList();
        Console.Error.WriteLine($"indexing {documents.Count} documents ({toEmbed.Count} to embed) with {model}, {encoder.Pooling.ToString().ToLowerInvariant()} pooling");
        var embedded = encoder.Embed(toEmbed.Select(d => d.Text!).ToList(), batchSize: batch, maxLength: length, progress: new EmbedCommand.CountProgress("embedded", toEmbed.Count));
        var vectorOf = toEmbed.Select((d, i) => (d.Id, Vector: embedded[i])).ToDictionary(x => x.Id, x => x.Vector, StringComparer.Ordinal);
        using var index = new DenseIndex(documents.Select(d => d.Id).ToList(), documents.Select(d => d.Vector ?? vectorOf[d.Id]).ToList());
        var hits = index.Search(encoder.Embed(queries.Select(q => q.Text!).ToList(), batchSize: batch, maxLength: length), k);

        var run = queries.Select((q, i) => (q.Id, Hits: (IReadOnlyList<(string Doc, double Score)>)hits[i].Select(h => (index.Ids[h.Document], (double)h.Score)).ToList())).ToList();
        if (rerank is not null)
        {
            var cross = CrossEncoder.Load(rerank);
            using (cross.Model)
            {
                var textOf = documents.ToDictionary(d => d.Id, d => d.Text!, StringComparer.Ordinal);
                var progress = new EmbedCommand.CountProgress("re-ranked", run.Count);
                for (int i = 0; i < run.Count; i++)
                {
                    var candidates = run[i].Hits;
                    var scores = cross.Score(queries[i].Text!, candidates.Select(h => textOf[h.Doc]).ToList(), Math.Min(maxLength, cross.Model.Config.MaxPositionEmbeddings), batch);
                    run[i] = (run[i].Id, candidates.Select((h, j) => (h.Doc, scores[j])).OrderByDescending(h => h.Item2).ToList());
                    progress.Report(i + 1);
                }
            }
        }
        RetrievalFiles.WriteRun(output, run, rerank is null ? "electra" : "electra-rerank");
        Console.WriteLine($"wrote {output}: top {Math.Min(k, documents.Count)} of {documents.Count} documents for {queries.Count} queries{(rerank is null ? "" : $", re-ranked by {rerank}")}");
        if (qrels is null) return 0;

        var asked = queries.Select(q => q.Id).ToHashSet(StringComparer.Ordinal);
        var judged = qrels.Where(kv => asked.Contains(kv.Key)).ToDictionary(kv => kv.Key, kv => kv.Value, StringComparer.Ordinal);
        int unasked = qrels.Count - judged.Count, unjudged = queries.Count(q => !qrels.ContainsKey(q.Id));
        if (unasked > 0) Console.WriteLine($"note: {qrelsPath} judges {unasked} queries that are not in {queriesPath}; they are left out");
        if (unjudged > 0) Console.WriteLine($"note: {unjudged} queries have no judgments in {qrelsPath} and are not scored");
        var metrics = RetrievalMetrics.Compute(run.ToDictionary(r => r.Id, r => (IReadOnlyList<string>)r.Hits.Select(h => h.Doc).ToList(), StringComparer.Ordinal), judged, k);
        Console.WriteLine($"metrics {metrics}");
        AtomicFile.WriteAllText(metricsPath, JsonSerializer.Serialize(new
        {
            run = Path.GetFileName(output),
            model,
            rerank,
            k,
            documents = documents.Count,
            mrr_at_10 = metrics.MrrAt10,
            recall_at_k = metrics.RecallAtK,
            ndcg_at_10 = metrics.NdcgAt10,
            queries = metrics.Count,
        }, new JsonSerializerOptions { WriteIndented = true }));
        Console.WriteLine($"wrote {metricsPath}");
        return 0;
    }
}
