namespace Electra.FineTuning.QuestionAnswering;

/// <summary>
/// A question-answering task folder: <c>train.json</c>, <c>dev.json</c> and optionally <c>test.json</c> in SQuAD
/// v1.1 or v2.0 format (<see cref="SquadDataset"/>). Training and dev need gold answers; a test file without them
/// is only predicted.
/// </summary>
/// <param name="Name">The folder's name.</param>
/// <param name="Train">Training questions.</param>
/// <param name="Dev">Questions that choose the best epoch (and SQuAD 2.0's no-answer threshold).</param>
/// <param name="Test">Questions scored once with the best epoch's weights, or null.</param>
public sealed record SquadTask(string Name, SquadDataset Train, SquadDataset Dev, SquadDataset? Test)
{
    /// <summary>SQuAD 2.0 (some questions unanswerable) when the training or dev file is.</summary>
    public bool IsVersion2 => Train.IsVersion2 || Dev.IsVersion2;

    /// <summary>Whether <paramref name="dir"/> is a SQuAD-format task folder (it has a <c>train.json</c>).</summary>
    public static bool IsSquadFolder(string dir) => File.Exists(Path.Combine(dir, "train.json"));

    /// <summary>Reads and checks every file of the folder (errors name the file and question id).</summary>
    public static SquadTask Load(string dir)
    {
        if (!Directory.Exists(dir)) throw new DirectoryNotFoundException($"{dir}: no such task folder");
        string File(string name) => Path.Combine(dir, name + ".json");
        if (!System.IO.File.Exists(File("train"))) throw new FileNotFoundException($"{dir}: no train.json");
        if (!System.IO.File.Exists(File("dev"))) throw new FileNotFoundException($"{dir}: no dev.json");
        var test = System.IO.File.Exists(File("test")) ? SquadDataset.Read(File("test"), requireGold: false) : null;
        return new SquadTask(Path.GetFileName(Path.GetFullPath(dir).TrimEnd(Path.DirectorySeparatorChar)),
            SquadDataset.Read(File("train")), SquadDataset.Read(File("dev")), test);
    }
}
