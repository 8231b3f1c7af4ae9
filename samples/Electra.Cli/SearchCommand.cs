using System.CommandLine;
using System.Text.Json;
using Electra.FineTuning;
using Electra.IO;
using Electra.Modeling;
using Electra.Native;
using Electra.Retrieval;

namespace Electra.Cli;

/// <summary>
/// `electra search`: exact cosine top-k of every query over a document index with a (bi-)encoder, optionally
/// re-ranked by a cross-encoder; writes a TREC run and, with qrels, prints and writes MRR@10, Recall@k and nDCG@10.
/// </summary>
static class SearchCommand
{
    static readonly Option<string> Model = CliOption.Text("--model", "the bi-encoder (or any ELECTRA folder) that embeds documents and queries", required: true, valueName: "DIR");
    static readonly Option<string> Index = CliOption.Text("--index", "documents: .jsonl with id and text, or id and vector (from embed)", required: true, valueName: "DOCS.jsonl");
    static readonly Option<string> Queries = CliOption.Text("--queries", "queries: qid<TAB>text per line, no header", required: true, valueName: "Q.tsv");
    static readonly Option<string> Output = CliOption.OutputFile("--output", "TREC run to write: qid Q0 docid rank score tag", "RUN.tsv");
    static readonly Option<int> K = CliOption.Int("--k", 10, "documents per query", min: 1);
    static readonly Option<string> Rerank = CliOption.Text("--rerank", "cross-encoder folder (a pair classifier fine-tuned on query, passage, 0/1) to re-rank each top k", valueName: "CROSS_DIR");
    static readonly Option<string> Qrels = CliOption.Text("--qrels", "TREC qrels (qid 0 docid relevance): print and write MRR@10, Recall@k, nDCG@10", valueName: "QRELS.tsv");
    static readonly Option<string> Metrics = CliOption.Text("--metrics", "where to write the metrics (default: the run's name with .metrics.json)", valueName: "FILE.json");
    static readonly Option<int> Batch = CliOption.Int("--batch", 64, "texts per forward pass", min: 1);
    static readonly Option<int> MaxLength = CliOption.Int("--max-length", 128, "word pieces per text, longer ones truncated", min: 3);

    public static Command Create() => CliOption.Command("search", "exact cosine top-k over a document index, optional cross-encoder re-ranking, TREC run and metrics", Run,
        Model, Index, Queries, Output, K, Rerank, Qrels, Metrics, EmbedCommand.Pooling, Batch, MaxLength);

    static int Run(ParseResult r)
    {
        string model = r.GetRequiredValue(Model);
        string indexPath = r.GetRequiredValue(Index);
        string queriesPath = r.GetRequiredValue(Queries);
        string output = r.GetRequiredValue(Output);
        int k = r.GetValue(K);
        string? rerank = r.GetValue(Rerank);
        string? qrelsPath = r.GetValue(Qrels);
        string metricsPath = r.GetValue(Metrics) ?? Path.ChangeExtension(output, ".metrics.json");
        foreach (var (path, option) in new[] { (output, "--output"), (metricsPath, "--metrics") })
            OutputFolder.CheckFile(path, option, (indexPath, "--index"), (queriesPath, "--queries"), (qrelsPath, "--qrels"), (model, "--model"), (rerank, "--rerank"));
        var pooling = EmbedCommand.PoolingOf(r);
        int batch = r.GetValue(Batch);
        int maxLength = r.GetValue(MaxLength);
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
