using Electra.Modeling;

namespace Electra.FineTuning;

/// <summary>
/// The classes of a task, in id order. From training data they are sorted ordinally, so the same files give the
/// same ids on every run and machine; a fine-tuned model carries them in <c>config.json</c> as HF's
/// <c>id2label</c>/<c>label2id</c>.
/// </summary>
public sealed class LabelSet
{
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

    /// <summary>Number of classes.</summary>
    public int Count => Names.Count;

    /// <summary>The distinct labels of the training data, sorted ordinally.</summary>
    public static LabelSet FromTraining(IEnumerable<string> labels) =>
        new(labels.Distinct(StringComparer.Ordinal).Order(StringComparer.Ordinal).ToList());

    /// <summary>The id of <paramref name="label"/>, if it is one of these classes.</summary>
    public bool TryGetId(string label, out int id) => ids.TryGetValue(label, out id);

    /// <summary>
    /// The id of a gold label read from <paramref name="file"/>:<paramref name="line"/>. A label the model was not
    /// trained on is an error (mapping it to some class would silently score it as a sure mistake).
    /// </summary>
    public int IdOf(string label, string file, int line) =>
        ids.TryGetValue(label, out int id) ? id
        : throw new InvalidDataException($"{file}:{line}: label '{label}' does not occur in the training data (known: {string.Join(", ", Names)})");

    /// <summary><paramref name="config"/> with this set as <c>id2label</c>/<c>label2id</c>.</summary>
    public ElectraConfig ApplyTo(ElectraConfig config) => config with
    {
        Id2Label = Enumerable.Range(0, Count).ToDictionary(i => i.ToString(System.Globalization.CultureInfo.InvariantCulture), i => Names[i]),
        Label2Id = Enumerable.Range(0, Count).ToDictionary(i => Names[i], i => i),
    };

    /// <summary>Reads <c>id2label</c> of a fine-tuned model's config; ids must be exactly 0 … n−1.</summary>
    public static LabelSet FromConfig(ElectraConfig config, string path)
    {
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
