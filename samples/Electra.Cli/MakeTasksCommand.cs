using Electra.Data;

namespace Electra.Cli;

/// <summary>
/// `electra make-tasks`: small retrieval, re-ranking and regression tasks built from a plain corpus (docs/tasks.md),
/// measuring the machinery, not world knowledge. Without --corpus it uses the quick start's corpus (fetched once and
/// cached), so a clean clone needs nothing else.
/// </summary>
static class MakeTasksCommand
{
    public const string Usage = "electra make-tasks [--corpus PATH...] --out DIR [--passages N] [--queries N] [--dev N] [--overlap-pairs N] [--seed S]";

    public static int Run(Args a)
    {
        var corpus = a.Many("corpus");
        string output = a.Required("out");
        var defaults = new CorpusTaskOptions();
        var options = new CorpusTaskOptions
        {
            Passages = a.Int("passages", defaults.Passages, min: 1),
            SearchQueries = a.Int("queries", defaults.SearchQueries, min: 1),
            DevPairs = a.Int("dev", defaults.DevPairs, min: 2),
            OverlapPairs = a.Int("overlap-pairs", defaults.OverlapPairs, min: 30),
            Seed = a.Int("seed", defaults.Seed),
        };
        a.EnsureAllUsed();
        try
        {
            options.Validate();
        }
        catch (ArgumentException e)
        {
            throw new UsageException(e.Message);
        }
        if (corpus.Count == 0)
        {
            var fetched = CorpusDownloader.Fetch(log: new Progress<string>(l => Console.WriteLine($"corpus: {l}")));
            Console.WriteLine($"corpus: {fetched.Folder} (the quick start's, public domain: {CorpusDownloader.License})");
            corpus = new[] { fetched.Folder };
        }
        var summary = CorpusTasks.Build(corpus, output, options);
        foreach (var (file, count) in summary.Files) Console.WriteLine($"  {Path.Combine(output, file)}: {count:N0}");
        Console.WriteLine($"wrote {output}: sentence-pairs/ (bi-encoder), sentence-search/ (index, queries, qrels), sentence-rerank/ (cross-encoder), word-overlap/ (regression)");
        return 0;
    }
}
