using Electra.Data;

namespace Electra.Cli;

/// <summary>`electra corpus fetch`: downloads and converts the default pre-training corpus (see <see cref="CorpusDownloader"/>).</summary>
static class CorpusCommand
{
    public const string Usage = "electra corpus fetch [--out DIR]   (default DIR: $XDG_CACHE_HOME/electra/corpora/default)";

    public static int Run(Args a)
    {
        if (a.Positional is not ["fetch"])
            throw new UsageException(a.Positional.Count == 0 ? "missing subcommand 'fetch'" : $"unknown subcommand '{string.Join(' ', a.Positional)}'");
        string? folder = a.Optional("out");
        a.EnsureAllUsed();

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
