using Electra.FineTuning.QuestionAnswering;

namespace Electra.FineTuning.Prediction;

/// <summary>
/// A file to predict on, read and checked (errors name the file and line, or the question) before any model runs: a
/// task file (<c>.tsv</c>: text[, text_b][, label]; <c>.conll</c>: word[, tag]) for a classifier, or a SQuAD
/// <c>.json</c> file for question answering. Labels and answers are optional; when present, prediction scores them.
/// </summary>
public sealed class PredictionInput
{
    PredictionInput(string path, TaskSplit? split, SquadDataset? questions)
    {
        Path = path;
        Split = split;
        Questions = questions;
    }

    /// <summary>The file read.</summary>
    public string Path { get; }

    /// <summary>The texts or sentences of a task file; null for a SQuAD file.</summary>
    public TaskSplit? Split { get; }

    /// <summary>The questions of a SQuAD file; null for a task file.</summary>
    public SquadDataset? Questions { get; }

    /// <summary>Reads <paramref name="path"/> by its extension: <c>.json</c> is SQuAD, <c>.tsv</c> and <c>.conll</c> are task files.</summary>
    /// <exception cref="FileNotFoundException">No such file.</exception>
    /// <exception cref="InvalidDataException">The file is malformed, or its extension is none of these; the message names it.</exception>
    public static PredictionInput Read(string path)
    {
        ArgumentNullException.ThrowIfNull(path);
        return path.EndsWith(".json", StringComparison.OrdinalIgnoreCase)
            ? new PredictionInput(path, null, SquadDataset.Read(path, requireGold: false))
            : new PredictionInput(path, TaskSplit.Read(path, requireLabels: false), null);
    }
}
