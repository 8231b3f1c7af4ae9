using System.CommandLine;
using System.CommandLine.Parsing;
using Electra.IO;

namespace Electra.Cli;

/// <summary>A usage error found by a command's action: printed as one line, exit code 2.</summary>
sealed class UsageException(string message) : Exception(message);

/// <summary>
/// The `electra` command: the command tree (one file per command, each declaring its options and action), help, and
/// the error contract: 0 ok, 1 failed (bad input, I/O), 2 usage (unknown command or option, bad or missing value,
/// named; an output folder or file refused by the output-folder rule or held by a live run), 130 stopped.
/// </summary>
/// <remarks>
/// A new command is one file: a static class with its options as <c>static readonly</c> fields made by
/// <see cref="CliOption"/> (name, default, one-line description: what <c>--help</c> prints and how the value is
/// checked), a <c>Create()</c> that returns the <see cref="Command"/> with those options and its action
/// (<c>SetAction(ParseResult → exit code)</c>), and one line in <see cref="Build"/>. Options several commands share are
/// declared once as an <see cref="OptionGroup{T}"/> (see <see cref="PretrainOptionGroups"/>). An action throws
/// <see cref="UsageException"/> for a usage error found after parsing (exit 2) and lets bad-input exceptions
/// (<see cref="InvalidDataException"/>, <see cref="IOException"/>, …) through (exit 1).
/// </remarks>
static class CommandLine
{
    /// <summary>`--threads N` works with every command: libtorch's intra-op threads (ONNX Runtime's with `--runtime onnx`).</summary>
    internal static readonly Option<int?> Threads = CliOption.OptionalInt("--threads",
        "libtorch (or, with --runtime onnx, ONNX Runtime) intra-op threads (default: one per core); 1 on a machine shared with other jobs", min: 1);

    static RootCommand Build()
    {
        var root = new RootCommand("electra: ELECTRA pre-training for .NET. `electra <command> --help` lists a command's options and their defaults.")
        {
            QuickstartCommand.Create(),
            PretrainCommand.Create(),
            DataCommand.Create(),
            TokenizerCommand.Create(),
            VocabCommand.Create(),
            LogitsCommand.Create(),
            ExportOnnxCommand.Create(),
            CorpusCommand.Create(),
            FinetuneCommand.Create(),
            PredictCommand.Create(),
            ExperimentCommand.Create(),
            SquadClozeCommand.Create(),
            EmbedCommand.Create(),
            SearchCommand.Create(),
            MakeTasksCommand.Create(),
            DoctorCommand.Create(),
        };
        root.HelpName = "electra";
        Threads.Recursive = true;
        root.Add(Threads);
        return root;
    }

    public static int Run(string[] argv)
    {
        var root = Build();
        if (argv is ["help", .. var rest]) argv = [.. rest, "--help"];
        // Response files (@file) are off: a corpus path may start with '@'.
        var parse = root.Parse(argv.Length == 0 ? ["--help"] : argv, new ParserConfiguration { ResponseFileTokenReplacer = null });
        string command = CommandName(parse.CommandResult);
        if (parse.Errors.Count > 0)
        {
            var messages = Messages(parse).ToList();
            if (messages.Count == 0) messages.AddRange(parse.Errors.Select(e => e.Message));
            foreach (string message in messages) Console.Error.WriteLine($"{command}: {message}");
            Console.Error.WriteLine($"see '{command} --help'");
            return 2;
        }
        if (parse.Action != parse.CommandResult.Command.Action) // --help: bare `electra` shows it too, as a usage error
        {
            int code = Invoke(parse);
            return argv.Length == 0 ? 2 : code;
        }
        try
        {
            if (parse.GetValue(Threads) is { } threads)
            {
                Native.TorchRuntime.EnsureLoaded();
                TorchSharp.torch.set_num_threads(threads);
            }
            return Invoke(parse);
        }
        catch (UsageException e)
        {
            Console.Error.WriteLine($"{command}: {e.Message}");
            Console.Error.WriteLine($"see '{command} --help'");
            return 2;
        }
        catch (OutputFolderException e) // an output that would lose a file, or a run another process holds
        {
            Console.Error.WriteLine($"{command}: {e.Message}");
            return 2;
        }
        catch (Exception e) when (e is IOException or InvalidDataException or UnauthorizedAccessException
                                      or ArgumentException or InvalidOperationException or FormatException
                                      or System.Text.Json.JsonException or OperationCanceledException)
        {
            Console.Error.WriteLine($"{command}: {e.Message}");
            return 1;
        }
    }

    /// <summary>
    /// Runs the parsed action with our exception contract (not System.CommandLine's handler) and our own signal handling
    /// (pretrain checkpoints on SIGTERM/SIGINT; System.CommandLine would otherwise cancel after 2 s).
    /// </summary>
    static int Invoke(ParseResult parse) =>
        parse.Invoke(new InvocationConfiguration { EnableDefaultExceptionHandler = false, ProcessTerminationTimeout = null });

    /// <summary>"electra tokenizer train".</summary>
    static string CommandName(CommandResult result)
    {
        var names = new List<string>();
        for (SymbolResult? r = result; r is CommandResult c; r = r.Parent) names.Add(c.Command is RootCommand ? "electra" : c.Command.Name);
        names.Reverse();
        return string.Join(' ', names);
    }

    static bool Given(ParseResult parse, Option option) => parse.GetResult(option) is OptionResult { IdentifierToken: not null };

    /// <summary>Parse errors in this CLI's wording: "unknown option --stpes", "missing required option --out".</summary>
    static IEnumerable<string> Messages(ParseResult parse)
    {
        var unknown = parse.UnmatchedTokens.Where(t => t.StartsWith('-')).ToList();
        var stray = parse.UnmatchedTokens.Where(t => !t.StartsWith('-')).ToList();
        if (unknown.Count > 0) yield return $"unknown option{(unknown.Count > 1 ? "s" : "")} {string.Join(", ", unknown)}";
        else if (stray.Count > 0)
            yield return parse.CommandResult.Command.Subcommands.Count > 0
                ? $"unknown command '{stray[0]}' (expected {string.Join(", ", parse.CommandResult.Command.Subcommands.Select(c => c.Name))})"
                : $"unexpected argument{(stray.Count > 1 ? "s" : "")} {string.Join(' ', stray)}";
        var command = parse.CommandResult.Command;
        foreach (var option in command.Options.Where(o => o.Required && !Given(parse, o)))
            yield return $"missing required option {option.Name}";
        foreach (var error in parse.Errors)
        {
            // unmatched tokens and missing options are worded above
            if (error.SymbolResult is CommandResult || (error.SymbolResult is OptionResult o && !Given(parse, o.Option))) continue;
            yield return error.Message;
        }
        if (command.Subcommands.Count > 0 && parse.UnmatchedTokens.Count == 0 && command.Action is null)
            yield return $"missing subcommand ({string.Join(" or ", command.Subcommands.Select(c => c.Name))})";
    }
}
