using System.Text.Json;
using System.Text.Json.Nodes;
using Electra.Interop;

namespace Electra.Training;

/// <summary>What a pre-training output folder holds, as far as replacing it is concerned.</summary>
/// <param name="Exists">The folder exists.</param>
/// <param name="Owner">The command that claimed it (<see cref="RunFolder.MarkerFile"/>), or null when unmarked.</param>
/// <param name="RunEntries">Entries a run writes (tokenizer/, dataset/, checkpoints/, run.json, …) present in it.</param>
/// <param name="OtherEntries">Everything else in it: files a run did not write.</param>
public sealed record RunFolderContents(bool Exists, string? Owner, IReadOnlyList<string> RunEntries, IReadOnlyList<string> OtherEntries)
{
    /// <summary>Nothing in it but, at most, the marker.</summary>
    public bool IsEmpty => RunEntries.Count == 0 && OtherEntries.Count == 0;
}

/// <summary>
/// The rule that keeps a run from destroying what it did not create: a pre-training output folder is claimed by a
/// marker file (<see cref="MarkerFile"/>) written before anything else, and only the entries a run writes
/// (<see cref="Entries"/>) are ever removed from it, never anything else a user put there.
/// </summary>
public static class RunFolder
{
    /// <summary>Written first into every output folder a run claims; names the command that claimed it.</summary>
    public const string MarkerFile = ".electra-run.json";

    /// <summary>Every name a run writes into its output folder (and their temporary <c>.NAME.tmp-*</c> siblings).</summary>
    public static IReadOnlyList<string> Entries { get; } =
    [
        "tokenizer", "dataset", "checkpoints", "discriminator", "generator", "mlm", "events", "init",
        "run.json", "metrics.jsonl", "training.png",
    ];

    /// <summary>What <paramref name="outputDir"/> holds.</summary>
    /// <exception cref="IOException"><paramref name="outputDir"/> is a file.</exception>
    public static RunFolderContents Inspect(string outputDir)
    {
        if (File.Exists(outputDir)) throw new IOException($"{outputDir} is a file, not a folder");
        if (!Directory.Exists(outputDir)) return new RunFolderContents(false, null, [], []);
        var names = Directory.EnumerateFileSystemEntries(outputDir).Select(Path.GetFileName).OfType<string>()
            .Where(n => n != MarkerFile).Order(StringComparer.Ordinal).ToList();
        var run = names.Where(IsRunEntry).ToList();
        return new RunFolderContents(true, Owner(outputDir), run, names.Except(run).ToList());
    }

    /// <summary>
    /// Throws unless <paramref name="outputDir"/> can take a new run: it does not exist, is empty, or was claimed for a
    /// run (marker) and holds none of a run's entries.
    /// </summary>
    public static void CheckNewRun(string outputDir)
    {
        var folder = Inspect(outputDir);
        if (folder.RunEntries.Count > 0)
            throw new InvalidOperationException($"{outputDir} already holds a pre-training run ({string.Join(", ", folder.RunEntries)}); " +
                                                "pass --resume to continue it, --force to replace it, or choose another --out");
        if (folder.OtherEntries.Count > 0 && folder.Owner is null)
            throw new InvalidOperationException($"{outputDir} holds files electra did not create ({Listing(folder.OtherEntries)}); " +
                                                "choose another --out, or pass --force to write the run beside them");
    }

    static string Listing(IReadOnlyList<string> names) => string.Join(", ", names.Take(5)) + (names.Count > 5 ? $", … ({names.Count} entries)" : "");

    /// <summary>Claims <paramref name="outputDir"/> for <paramref name="owner"/> (creating it), unless it is claimed already.</summary>
    public static void Claim(string outputDir, string owner)
    {
        if (Owner(outputDir) is not null) return;
        AtomicFile.WriteAllText(Path.Combine(outputDir, MarkerFile), new JsonObject { ["created_by"] = owner }.ToJsonString());
    }

    /// <summary>Removes the entries a run wrote from <paramref name="outputDir"/> (the marker stays; other files are kept).</summary>
    /// <returns>The names removed.</returns>
    public static IReadOnlyList<string> RemoveRun(string outputDir)
    {
        var removed = Inspect(outputDir).RunEntries;
        foreach (string name in removed)
        {
            string path = Path.Combine(outputDir, name);
            if (Directory.Exists(path)) Directory.Delete(path, recursive: true);
            else File.Delete(path);
        }
        return removed;
    }

    /// <summary>
    /// How run.json records the dataset: relative to the run folder, so a run folder can be moved or copied and resumed
    /// (<c>dataset</c> for the pipeline's layout).
    /// </summary>
    public static string DatasetKey(string outputDir, string datasetDir) =>
        Path.GetRelativePath(Path.GetFullPath(outputDir), Path.GetFullPath(datasetDir));

    /// <summary>
    /// Rewrites the absolute dataset path that older versions stored in run.json to <see cref="DatasetKey"/> when it
    /// names the same dataset folder (the same path, or one of the same name in a run folder that has since moved).
    /// </summary>
    public static void UpgradeRunFile(string outputDir, string datasetDir)
    {
        string runFile = Path.Combine(outputDir, "run.json");
        if (!File.Exists(runFile) || JsonNode.Parse(File.ReadAllText(runFile)) is not JsonObject run) return;
        if (run["dataset"]?.GetValue<string>() is not { } recorded || !Path.IsPathRooted(recorded)) return;
        string key = DatasetKey(outputDir, datasetDir);
        bool same = recorded == Path.GetFullPath(datasetDir) || (!Path.IsPathRooted(key) && key == Path.GetFileName(recorded.TrimEnd(Path.DirectorySeparatorChar)));
        if (!same) return;
        run["dataset"] = key;
        AtomicFile.WriteAllText(runFile, run.ToJsonString(new JsonSerializerOptions { WriteIndented = true }));
    }

    static bool IsRunEntry(string name) => Entries.Any(e =>
        name == e || name.StartsWith(e + ".tmp", StringComparison.Ordinal) || name.StartsWith($".{e}.tmp", StringComparison.Ordinal));

    static string? Owner(string outputDir)
    {
        string marker = Path.Combine(outputDir, MarkerFile);
        if (!File.Exists(marker)) return null;
        try
        {
            return JsonNode.Parse(File.ReadAllText(marker))?["created_by"]?.GetValue<string>() ?? "electra";
        }
        catch (Exception e) when (e is JsonException or InvalidOperationException)
        {
            return "electra"; // a damaged marker still marks the folder as a run's
        }
    }
}
