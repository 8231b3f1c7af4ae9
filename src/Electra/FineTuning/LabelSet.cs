using Electra.IO;
using Electra.Modeling;

namespace Electra.FineTuning;

/// <summary>
/// The classes of a task, in id order. From training data they are sorted ordinally, so the same files give the
/// same ids on every run and machine; a fine-tuned model carries them in <c>config.json</c> as HF's
/// <c>id2label</c>/<c>label2id</c>. A regression task has <see cref="Regression"/>: one output named <c>LABEL_0</c>
/// (HF's default name), numeric gold values, and <c>problem_type: "regression"</c> in the config.
/// </summary>
public sealed class LabelSet
{
    /// <summary>The name HF gives the single output of a regression head.</summary>
    const string RegressionOutput = "LABEL_0";

    readonly Dictionary<string, int> ids;

    /// <summary>Labels in id order; throws on an empty list, an empty name or a duplicate.</summary>
    public LabelSet(IReadOnlyList<string> names)
    {
        if (names.Count == 0) throw new ArgumentException("a task needs at least one label");
        ids = new Dictionary<string, int>(StringComparer.Ordinal);
        for (int i = 0; i < names.Count; i++)
        {
            if (string.IsNullOrEmpty(names[i])) throw new ArgumentException($"label {i} is empty");
            if (!ids.TryAdd(names[i], i)) throw new ArgumentException($"label '{names[i]}' appears twice");
        }
        Names = names.ToArray();
    }

    /// <summary>Label names by id.</summary>
    public IReadOnlyList<string> Names { get; }

    /// <summary>Number of classes (1 for regression: the number of outputs).</summary>
    public int Count => Names.Count;

    /// <summary>Whether gold labels are numbers predicted by one output (see <see cref="Regression"/>).</summary>
    public bool IsRegression { get; private init; }

    /// <summary>The one output of a regression task.</summary>
    public static LabelSet Regression { get; } = new(new[] { RegressionOutput }) { IsRegression = true };

    /// <summary>The distinct labels of the training data, sorted ordinally.</summary>
    public static LabelSet FromTraining(IEnumerable<string> labels) =>
        new(labels.Distinct(StringComparer.Ordinal).Order(StringComparer.Ordinal).ToList());

    /// <summary>
    /// Whether the training labels of <paramref name="path"/> make a regression task: every label is a number and at
    /// least one is written as a decimal (<c>3.8</c>, <c>1.0</c>, <c>2e-1</c>), as HF's <c>run_glue</c> treats a float
    /// label column; integer labels such as GLUE's 0/1 stay classes. Decimal labels next to a label that is not a number
    /// (<c>high</c>) are an error naming the line of the first such label: a typo would otherwise turn a regression task
    /// into a classifier with one class per distinct value.
    /// </summary>
    public static bool AreValues(IEnumerable<(string Label, int Line)> labels, string path)
    {
        (string Label, int Line)? firstDecimal = null, firstText = null;
        foreach (var (label, line) in labels)
        {
            if (!TryParseValue(label, out _)) firstText ??= (label, line);
            else if (label.IndexOfAny(['.', 'e', 'E']) >= 0) firstDecimal ??= (label, line);
        }
        if (firstDecimal is { } d && firstText is { } t)
            throw new InvalidDataException($"{path}:{t.Line}: label '{Utf8LineReader.Quote(t.Label)}' is not a number, but labels such as '{d.Label}' (line {d.Line}) are decimal numbers, " +
                                           "which makes this a regression task; write every label as a number (regression) or every label as a class name");
        return firstDecimal is not null;
    }

    static bool TryParseValue(string label, out double value) =>
        double.TryParse(label, System.Globalization.NumberStyles.Float, System.Globalization.CultureInfo.InvariantCulture, out value) && double.IsFinite(value);

    /// <summary>The number a regression gold label read from <paramref name="file"/>:<paramref name="line"/> stands for.</summary>
    public double ValueOf(string label, string file, int line) =>
        TryParseValue(label, out double value) ? value
        : throw new InvalidDataException($"{file}:{line}: label '{Utf8LineReader.Quote(label)}' is not a number (this is a regression task: the training labels are numbers)");

    /// <summary>The id of <paramref name="label"/>, if it is one of these classes.</summary>
    public bool TryGetId(string label, out int id) => ids.TryGetValue(label, out id);

    /// <summary>
    /// The id of a gold label read from <paramref name="file"/>:<paramref name="line"/>. A label the model was not
    /// trained on is an error (mapping it to some class would silently score it as a sure mistake); for regression,
    /// a label that is not a number.
    /// </summary>
    public int IdOf(string label, string file, int line)
    {
        if (IsRegression)
        {
            ValueOf(label, file, line); // the one output's id, once the label is checked to be a number
            return 0;
        }
        return ids.TryGetValue(label, out int id) ? id
            : throw new InvalidDataException($"{file}:{line}: label '{Utf8LineReader.Quote(label)}' does not occur in the training data (known: {string.Join(", ", Names)})");
    }

    /// <summary><paramref name="config"/> with this set as <c>id2label</c>/<c>label2id</c>.</summary>
    public ElectraConfig ApplyTo(ElectraConfig config) => config with
    {
        Id2Label = Enumerable.Range(0, Count).ToDictionary(i => i.ToString(System.Globalization.CultureInfo.InvariantCulture), i => Names[i]),
        Label2Id = Enumerable.Range(0, Count).ToDictionary(i => Names[i], i => i),
        ProblemType = IsRegression ? "regression" : null,
    };

    /// <summary>
    /// Reads <c>id2label</c> of a fine-tuned model's config; ids must be exactly 0 … n−1. <c>problem_type:
    /// "regression"</c> gives <see cref="Regression"/> (HF: one label).
    /// </summary>
    public static LabelSet FromConfig(ElectraConfig config, string path)
    {
        if (config.ProblemType == "regression")
            return config.Id2Label is null or { Count: 1 } ? Regression
                : throw new InvalidDataException($"{path}: problem_type 'regression' with {config.Id2Label.Count} labels (a regression head has one output)");
        if (config.Id2Label is not { Count: > 0 } map)
            throw new InvalidDataException($"{path}: no id2label (expected the config of a fine-tuned classifier)");
        var names = new string[map.Count];
        foreach (var (key, name) in map)
        {
            if (!int.TryParse(key, System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out int id) || id >= names.Length || names[id] is not null)
                throw new InvalidDataException($"{path}: id2label key '{key}' is not one of the ids 0 … {names.Length - 1}");
            names[id] = name;
        }
        try
        {
            return new LabelSet(names);
        }
        catch (ArgumentException e)
        {
            throw new InvalidDataException($"{path}: id2label: {e.Message}", e);
        }
    }
}
