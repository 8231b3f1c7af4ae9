namespace Electra.Cli;

/// <summary>The `electra` command: dispatch, help and the error contract (usage → exit 2, bad input → exit 1).</summary>
static class CommandLine
{
    /// <summary>One row per command; each command lives in its own file.</summary>
    static readonly (string Name, string Usage, Func<Args, int> Run)[] Commands =
    {
        ("quickstart", QuickstartCommand.Usage, QuickstartCommand.Run),
        ("pretrain", PretrainCommand.Usage, PretrainCommand.Run),
        ("data", DataCommand.Usage, DataCommand.Run),
        ("tokenizer", TokenizerCommand.Usage, TokenizerCommand.Run),
        ("logits", LogitsCommand.Usage, LogitsCommand.Run),
        ("corpus", CorpusCommand.Usage, CorpusCommand.Run),
        ("finetune", FinetuneCommand.Usage, FinetuneCommand.Run),
        ("predict", PredictCommand.Usage, PredictCommand.Run),
        ("experiment", ExperimentCommand.Usage, ExperimentCommand.Run),
        ("embed", EmbedCommand.Usage, EmbedCommand.Run),
        ("search", SearchCommand.Usage, SearchCommand.Run),
        ("make-tasks", MakeTasksCommand.Usage, MakeTasksCommand.Run),
    };

    public static int Run(string[] argv)
    {
        if (argv.Length == 0 || argv[0] is "-h" or "--help" or "help")
        {
            PrintHelp(Console.Out);
            return argv.Length == 0 ? 2 : 0;
        }
        var command = Commands.FirstOrDefault(c => c.Name == argv[0]);
        if (command.Run is null)
        {
            Console.Error.WriteLine($"electra: unknown command '{argv[0]}'");
            PrintHelp(Console.Error);
            return 2;
        }
        try
        {
            return command.Run(new Args(WithThreads(argv.Skip(1).ToList())));
        }
        catch (UsageException e)
        {
            Console.Error.WriteLine($"electra {command.Name}: {e.Message}");
            Console.Error.WriteLine($"usage: {command.Usage}");
            return 2;
        }
        catch (Exception e) when (e is IOException or InvalidDataException or UnauthorizedAccessException
                                      or ArgumentException or InvalidOperationException or FormatException
                                      or System.Text.Json.JsonException or OperationCanceledException)
        {
            Console.Error.WriteLine($"electra {command.Name}: {e.Message}");
            return 1;
        }
    }

    /// <summary>
    /// `--threads N` works with every command: libtorch's intra-op threads (default: one per core). On a machine
    /// shared with other jobs, 1 avoids threads spinning against each other.
    /// </summary>
    static List<string> WithThreads(List<string> args)
    {
        int i = args.IndexOf("--threads");
        if (i < 0) return args;
        if (i + 1 >= args.Count || !int.TryParse(args[i + 1], out int threads) || threads < 1)
            throw new UsageException("--threads expects a positive integer");
        Native.TorchRuntime.EnsureLoaded();
        TorchSharp.torch.set_num_threads(threads);
        args.RemoveRange(i, 2);
        return args;
    }

    static void PrintHelp(TextWriter w)
    {
        w.WriteLine("electra: ELECTRA pre-training for .NET");
        w.WriteLine("every command also takes --threads N (libtorch intra-op threads)");
        w.WriteLine();
        foreach (var c in Commands) w.WriteLine($"  {c.Usage}");
    }
}
