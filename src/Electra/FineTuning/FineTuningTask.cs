namespace Electra.FineTuning;

/// <summary>
/// A task folder: <c>train</c>, <c>dev</c> and optionally <c>test</c>, each a <c>.tsv</c> file (sequence
/// classification, or regression when its labels are numbers with a decimal: <see cref="LabelSet.AreValues"/>) or a
/// <c>.conll</c> file (token classification), all of one kind. The label set is the training data's, sorted; dev and
/// test labels outside it (for regression: not numbers) are an error naming file and line.
/// </summary>
/// <param name="Name">The folder's name (e.g. <c>brown-genre</c>).</param>
/// <param name="Kind">Sequence or token classification, or regression.</param>
/// <param name="Labels">The classes, from the training file.</param>
/// <param name="Train">Training examples.</param>
/// <param name="Dev">Examples that choose the best epoch.</param>
/// <param name="Test">Examples scored once with the best epoch's weights, or null.</param>
public sealed record FineTuningTask(string Name, TaskKind Kind, LabelSet Labels, TaskSplit Train, TaskSplit Dev, TaskSplit? Test)
{
    /// <summary>Reads and checks a task folder.</summary>
    public static FineTuningTask Load(string dir)
    {
        if (!Directory.Exists(dir)) throw new DirectoryNotFoundException($"{dir}: no such task folder");
        var train = Split(dir, "train") ?? throw new FileNotFoundException($"{dir}: no train.tsv or train.conll");
        var dev = Split(dir, "dev") ?? throw new FileNotFoundException($"{dir}: no dev.tsv or dev.conll");
        var test = Split(dir, "test");
        foreach (var s in new[] { dev, test }.OfType<TaskSplit>())
            if (s.Kind != train.Kind) throw new InvalidDataException($"{s.Path}: a {s.Kind.ToString().ToLowerInvariant()} file next to a {train.Kind.ToString().ToLowerInvariant()} training file {train.Path}");
        bool regression = train.Kind == TaskKind.Sequence && LabelSet.AreValues(train.GoldLabels(), train.Path);
        var labels = regression ? LabelSet.Regression : LabelSet.FromTraining(train.GoldLabels().Select(g => g.Label));
        dev.CheckLabels(labels);
        test?.CheckLabels(labels);
        return new FineTuningTask(Path.GetFileName(Path.GetFullPath(dir).TrimEnd(Path.DirectorySeparatorChar)), regression ? TaskKind.Regression : train.Kind, labels, train, dev, test);
    }

    static TaskSplit? Split(string dir, string name)
    {
        var files = new[] { ".tsv", ".conll" }.Select(ext => Path.Combine(dir, name + ext)).Where(File.Exists).ToList();
        if (files.Count > 1) throw new InvalidDataException($"{dir}: both {name}.tsv and {name}.conll; keep one");
        if (files.Count == 0) return null;
        var split = TaskSplit.Read(files[0]);
        if (split.Count == 0) throw new InvalidDataException($"{files[0]}: no examples");
        return split;
    }
}
