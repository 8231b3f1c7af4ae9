using System.CommandLine;
using System.CommandLine.Parsing;
using System.Globalization;
using Electra.FineTuning;

namespace Electra.Cli;

/// <summary>
/// Factories for the `electra` options: each is declared once with its name, default and one-line description (what
/// `--help` prints), and parses its value with a message that names the option ("--seq expects an integer >= 8, got 'x'").
/// An option whose default depends on other options (the preset's learning rate) has no value default and says so in
/// its description.
/// </summary>
static class CliOption
{
    /// <summary>A command with its options and its action (the exit code it returns).</summary>
    public static Command Command(string name, string description, Func<ParseResult, int> action, params Option[] options)
    {
        var command = new Command(name, description);
        foreach (var option in options) command.Add(option);
        command.SetAction(action);
        return command;
    }

    /// <summary>
    /// Runs a library validation after parsing: its <see cref="ArgumentException"/> is a usage error (exit 2); an
    /// <see cref="OptionException"/> is named by its flag: the one of <paramref name="renamed"/> that has the key's
    /// flag as an old name, else the key with dashes (<c>doc_stride</c>: <c>--doc-stride</c>).
    /// </summary>
    public static void Validate(Action validate, params Option[] renamed)
    {
        try
        {
            validate();
        }
        catch (OptionException e)
        {
            string flag = "--" + e.Option.Replace('_', '-');
            throw new UsageException($"{renamed.FirstOrDefault(o => o.Aliases.Contains(flag))?.Name ?? flag}: {e.Message}");
        }
        catch (ArgumentException e)
        {
            throw new UsageException(e.Message);
        }
    }

    /// <summary>A string option; required when <paramref name="default"/> is null and <paramref name="required"/> is set.</summary>
    public static Option<string> Text(string name, string description, string? @default = null, bool required = false, string? valueName = null)
    {
        var option = new Option<string>(name) { Description = description, Required = required, HelpName = valueName };
        if (@default is not null) option.DefaultValueFactory = _ => @default;
        return option;
    }

    /// <summary>A folder to write into: naming an existing file is a usage error, found while parsing (before any work).</summary>
    public static Option<string> OutputFolder(string name, string description, string? @default = null, bool required = false)
    {
        var option = Text(name, description, @default, required, "DIR");
        option.Validators.Add(r =>
        {
            if (r.GetValueOrDefault<string>() is { } path && File.Exists(path)) r.AddError($"{name} {path} is a file; give a folder");
        });
        return option;
    }

    /// <summary>A file to write: naming an existing folder, or a folder that does not exist, is a usage error found while parsing.</summary>
    public static Option<string> OutputFile(string name, string description, string valueName = "FILE")
    {
        var option = Text(name, description, required: true, valueName: valueName);
        option.Validators.Add(r =>
        {
            if (r.GetValueOrDefault<string>() is not { } path) return;
            string? parent = Path.GetDirectoryName(Path.GetFullPath(path));
            if (Directory.Exists(path)) r.AddError($"{name} {path} is a folder; give a file name");
            else if (parent is not null && !Directory.Exists(parent)) r.AddError($"{name} {path}: the folder {parent} does not exist");
        });
        return option;
    }

    /// <summary>
    /// One or more values after the option: `--corpus a.txt b.txt dir/`. A value that starts with '-' and names no
    /// file or folder is a mistyped option swallowed as a value (`--corpus a.txt --stpes 5`): an unknown option, exit 2.
    /// </summary>
    public static Option<string[]> Many(string name, string description, bool required = false, string? valueName = null)
    {
        var option = new Option<string[]>(name)
        {
            Description = description,
            Required = required,
            HelpName = valueName,
            Arity = ArgumentArity.OneOrMore,
            AllowMultipleArgumentsPerToken = true,
        };
        option.Validators.Add(r =>
        {
            foreach (string value in r.GetValueOrDefault<string[]>() ?? [])
                if (value.StartsWith('-') && !File.Exists(value) && !Directory.Exists(value))
                    r.AddError($"unknown option {value} (after {name}, whose values are paths)");
        });
        return option;
    }

    /// <summary>A flag: present or not, takes no value.</summary>
    /// <summary>
    /// <paramref name="option"/> under its new name, still answering to <paramref name="oldName"/> for one release;
    /// <see cref="WarnIfOldName"/> tells a user who typed the old one.
    /// </summary>
    public static T Renamed<T>(T option, string oldName) where T : Option
    {
        option.Aliases.Add(oldName);
        return option;
    }

    /// <summary>Prints a warning when the command line gave <paramref name="option"/> by its <paramref name="oldName"/>.</summary>
    public static void WarnIfOldName(ParseResult r, Option option, string oldName, string why)
    {
        if (r.GetResult(option) is OptionResult { IdentifierToken.Value: var used } && used == oldName)
            Console.Error.WriteLine($"warning: {oldName} is now {option.Name} ({why}); the old name goes away in the next release");
    }

    public static Option<bool> Flag(string name, string description) => new(name) { Description = description, Arity = ArgumentArity.Zero };

    /// <summary>An integer in [<paramref name="min"/>, <paramref name="max"/>].</summary>
    public static Option<int> Int(string name, int @default, string description, int min = int.MinValue, int max = int.MaxValue) => new(name)
    {
        Description = description,
        HelpName = "N",
        DefaultValueFactory = _ => @default,
        CustomParser = r => (int)ParseLong(r, min, max),
    };

    /// <summary>An integer whose default is described in words (null when not given), or a required one.</summary>
    public static Option<int?> OptionalInt(string name, string description, int min = int.MinValue, bool required = false) => new(name)
    {
        Description = description,
        Required = required,
        HelpName = "N",
        CustomParser = r => (int)ParseLong(r, min, int.MaxValue),
    };

    /// <summary>A 64-bit integer in [<paramref name="min"/>, ∞).</summary>
    public static Option<long> Long(string name, long @default, string description, long min = long.MinValue) => new(name)
    {
        Description = description,
        HelpName = "N",
        DefaultValueFactory = _ => @default,
        CustomParser = r => ParseLong(r, min, long.MaxValue),
    };

    /// <summary>A 64-bit integer whose default is described in words (null when not given).</summary>
    public static Option<long?> OptionalLong(string name, string description, long min = long.MinValue) => new(name)
    {
        Description = description,
        HelpName = "N",
        CustomParser = r => ParseLong(r, min, long.MaxValue),
    };

    /// <summary>A finite number in [<paramref name="min"/>, <paramref name="max"/>].</summary>
    public static Option<double> Number(string name, double @default, string description, double min = double.MinValue, double max = double.MaxValue) => new(name)
    {
        Description = description,
        HelpName = "X",
        DefaultValueFactory = _ => @default,
        CustomParser = r => ParseDouble(r, min, max),
    };

    /// <summary>A finite number whose default is described in words (null when not given).</summary>
    public static Option<double?> OptionalNumber(string name, string description) => new(name)
    {
        Description = description,
        HelpName = "X",
        CustomParser = r => ParseDouble(r, double.MinValue, double.MaxValue),
    };

    /// <summary>
    /// `--runtime torch|onnx` of the commands that run a model: TorchSharp on an HF folder, or ONNX Runtime on a folder
    /// written by `electra export-onnx` (no libtorch needed).
    /// </summary>
    public static Option<string> Runtime() => Choice("--runtime", "torch",
        "torch: TorchSharp on HF folders; onnx: ONNX Runtime (CPU) on folders written by `electra export-onnx`", "torch", "onnx");

    /// <summary>One of <paramref name="choices"/> ("--sharing expects shared, none or gdes, got 'tied'").</summary>
    public static Option<string> Choice(string name, string @default, string description, params string[] choices) => new(name)
    {
        Description = description,
        HelpName = string.Join('|', choices),
        DefaultValueFactory = _ => @default,
        CustomParser = r =>
        {
            string value = r.Tokens[0].Value;
            if (choices.Contains(value, StringComparer.Ordinal)) return value;
            r.AddError($"{Name(r)} expects {string.Join(", ", choices[..^1])} or {choices[^1]}, got '{value}'");
            return @default;
        },
    };

    static long ParseLong(ArgumentResult r, long min, long max)
    {
        string s = r.Tokens[0].Value;
        if (long.TryParse(s, NumberStyles.Integer, CultureInfo.InvariantCulture, out long v) && v >= min && v <= max) return v;
        r.AddError($"{Name(r)} expects an integer{(min > long.MinValue ? $" >= {min}" : "")}{(max < int.MaxValue ? $" <= {max}" : "")}, got '{s}'");
        return 0;
    }

    static double ParseDouble(ArgumentResult r, double min, double max)
    {
        string s = r.Tokens[0].Value;
        if (double.TryParse(s, NumberStyles.Float, CultureInfo.InvariantCulture, out double v) && double.IsFinite(v) && v >= min && v <= max) return v;
        string range = (min > double.MinValue, max < double.MaxValue) switch
        {
            (true, true) => FormattableString.Invariant($" in [{min}, {max}]"),
            (true, false) => FormattableString.Invariant($" >= {min}"),
            (false, true) => FormattableString.Invariant($" <= {max}"),
            _ => "",
        };
        r.AddError($"{Name(r)} expects a number{range}, got '{s}'");
        return 0;
    }

    static string Name(ArgumentResult r) => r.Parent is OptionResult o ? o.Option.Name : r.Argument.Name;
}

/// <summary>
/// Options that each set one property of a settings record (<see cref="Electra.Training.PretrainingOptions"/>, …): declared
/// once with the defaults of the command that adds them, read back into the record after parsing.
/// </summary>
sealed class OptionGroup<T>
{
    readonly List<(Option Option, Func<ParseResult, T, T> Apply)> entries = new();

    /// <summary>Adds <paramref name="option"/>; <paramref name="apply"/> sets its parsed (or default) value on the record.</summary>
    public OptionGroup<T> Add<TValue>(Option<TValue> option, Func<T, TValue, T> apply)
    {
        entries.Add((option, (result, settings) => apply(settings, result.GetValue(option)!)));
        return this;
    }

    /// <summary>Adds every option of the group to <paramref name="command"/>.</summary>
    public void AddTo(Command command)
    {
        foreach (var (option, _) in entries) command.Add(option);
    }

    /// <summary>The record with every option of the group applied to <paramref name="settings"/>.</summary>
    public T Read(ParseResult result, T settings) => entries.Aggregate(settings, (s, e) => e.Apply(result, s));

    /// <summary>The record with only the options given on the command line applied (over a config file's values).</summary>
    public T Override(ParseResult result, T settings) =>
        entries.Where(e => result.GetResult(e.Option) is { Implicit: false }).Aggregate(settings, (s, e) => e.Apply(result, s));
}
