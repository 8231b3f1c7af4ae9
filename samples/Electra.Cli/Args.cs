using System.Globalization;

namespace Electra.Cli;

/// <summary>A usage error: printed as one line, exit code 2.</summary>
sealed class UsageException(string message) : Exception(message);

/// <summary>
/// `--name value`, `--name v1 v2 …` (values run until the next `--option`) and bare `--flag`s.
/// Every option a command does not read is reported as unknown by <see cref="EnsureAllUsed"/>.
/// </summary>
sealed class Args
{
    readonly Dictionary<string, List<string>> options = new(StringComparer.Ordinal);
    readonly HashSet<string> used = new(StringComparer.Ordinal);

    /// <summary>Words before the first option, e.g. the `train` of `electra tokenizer train`.</summary>
    public List<string> Positional { get; } = new();

    public Args(IEnumerable<string> argv)
    {
        List<string>? current = null;
        foreach (string a in argv)
        {
            if (a.StartsWith("--", StringComparison.Ordinal) && a.Length > 2)
            {
                string name = a[2..];
                if (options.ContainsKey(name)) throw new UsageException($"option --{name} given twice");
                options[name] = current = new List<string>();
            }
            else if (current is null) Positional.Add(a);
            else current.Add(a);
        }
    }

    public bool Flag(string name)
    {
        used.Add(name);
        if (!options.TryGetValue(name, out var values)) return false;
        if (values.Count > 0) throw new UsageException($"--{name} takes no value (got '{values[0]}')");
        return true;
    }

    public string? Optional(string name)
    {
        used.Add(name);
        if (!options.TryGetValue(name, out var values)) return null;
        if (values.Count != 1) throw new UsageException($"--{name} takes exactly one value (got {values.Count})");
        return values[0];
    }

    public string Required(string name) => Optional(name) ?? throw new UsageException($"missing required option --{name}");

    public IReadOnlyList<string> Many(string name, bool required = false)
    {
        used.Add(name);
        if (options.TryGetValue(name, out var values) && values.Count > 0) return values;
        if (required) throw new UsageException($"missing required option --{name} (one or more values)");
        return Array.Empty<string>();
    }

    public int Int(string name, int fallback, int min = int.MinValue) => (int)Long(name, fallback, min, int.MaxValue);

    public long Long(string name, long fallback, long min = long.MinValue, long max = long.MaxValue)
    {
        string? s = Optional(name);
        if (s is null) return fallback;
        if (!long.TryParse(s, NumberStyles.Integer, CultureInfo.InvariantCulture, out long v) || v < min || v > max)
            throw new UsageException($"--{name} expects an integer{(min > long.MinValue ? $" >= {min}" : "")}, got '{s}'");
        return v;
    }

    public double Double(string name, double fallback)
    {
        string? s = Optional(name);
        if (s is null) return fallback;
        if (!double.TryParse(s, NumberStyles.Float, CultureInfo.InvariantCulture, out double v) || !double.IsFinite(v))
            throw new UsageException($"--{name} expects a number, got '{s}'");
        return v;
    }

    /// <summary>Fails on any option the command did not ask for (a typo must not be silently ignored).</summary>
    public void EnsureAllUsed()
    {
        var unknown = options.Keys.Where(k => !used.Contains(k)).Select(k => "--" + k).ToList();
        if (unknown.Count > 0) throw new UsageException($"unknown option{(unknown.Count > 1 ? "s" : "")} {string.Join(", ", unknown)}");
    }
}
