using System.CommandLine;
using Electra.Data;
using Electra.IO;

namespace Electra.Cli;

/// <summary>
/// `electra make-tasks`: small retrieval, re-ranking and regression tasks built from a plain corpus (docs/tasks.md),
/// measuring the machinery, not world knowledge. Without --corpus it uses the quick start's corpus (fetched once and
/// cached), so a clean clone needs nothing else.
/// </summary>
static class MakeTasksCommand
{
    static readonly CorpusTaskOptions Defaults = new();
    static readonly Option<string[]> Corpus = CliOption.Many("--corpus", "corpus files or folders (default: the quick start's corpus, fetched once)", valueName: "PATH");
    static readonly Option<string> Out = CliOption.OutputFolder("--out", "folder to write the task folders into", required: true);
    static readonly Option<int> Passages = CliOption.Int("--passages", Defaults.Passages, "passages drawn (one query each)", min: 1);
    static readonly Option<int> SearchQueries = CliOption.Int("--queries", Defaults.SearchQueries, "held-out passages whose sentence is a search query", min: 1);
    static readonly Option<int> Dev = CliOption.Int("--dev", Defaults.DevPairs, "held-out dev pairs", min: 2);
    static readonly Option<int> OverlapPairs = CliOption.Int("--overlap-pairs", Defaults.OverlapPairs, "sentence pairs of the word-overlap regression task", min: 30);
    static readonly Option<int> Seed = CliOption.Int("--seed", Defaults.Seed, "random seed of every draw");

    public static Command Create() => CliOption.Command("make-tasks", "small retrieval, re-ranking and regression tasks built from a corpus (they measure the machinery, not world knowledge)", Run,
        Corpus, Out, Passages, SearchQueries, Dev, OverlapPairs, Seed);

    static int Run(ParseResult r)
    {
        IReadOnlyList<string> corpus = r.GetValue(Corpus) ?? [];
        string output = r.GetRequiredValue(Out);
        var options = new CorpusTaskOptions
        {
            Passages = r.GetValue(Passages),
            SearchQueries = r.GetValue(SearchQueries),
            DevPairs = r.GetValue(Dev),
            OverlapPairs = r.GetValue(OverlapPairs),
            Seed = r.GetValue(Seed),
        };
        CliOption.Validate(() => options.Validate());
        OutputFolder.Check(output, CorpusTasks.Owner, "--out", CorpusCommand.Inputs(corpus)); // before the corpus is fetched
        corpus = CorpusCommand.OrDefault(corpus, Console.Out);
        var summary = CorpusTasks.Build(corpus, output, options);
        foreach (var (file, count) in summary.Files) Console.WriteLine($"  {Path.Combine(output, file)}: {count:N0}");
        Console.WriteLine($"wrote {output}: sentence-pairs/ (bi-encoder), sentence-search/ (index, queries, qrels), sentence-rerank/ (cross-encoder), word-overlap/ (regression)");
        return 0;
    }
}
