using System.Text.Json;
using System.Text.Json.Nodes;
using Electra.IO;

namespace Electra.Training;

/// <summary>
/// A pre-training run folder: every name a run writes is named here once (<see cref="Tokenizer"/>, <see cref="Dataset"/>,
/// <see cref="Checkpoints"/>, …), and the folder follows the output-folder rule (<see cref="OutputFolder"/>): it is
/// claimed by a marker written before anything else, and only the entries a run writes (<see cref="Entries"/>) are ever
/// removed from it, never anything else a user put there. What identifies a run is built and checked by
/// <see cref="RunIdentity"/>.
/// </summary>
public static class RunFolder
{
    /// <summary>Written first into every output folder a run claims; names the command that claimed it.</summary>
    public const string MarkerFile = OutputFolder.MarkerFile;

    /// <summary>The trained tokenizer (<c>vocab.txt</c>, <c>tokenizer_config.json</c>).</summary>
    public const string Tokenizer = "tokenizer";

    /// <summary>The packed shards (<c>dataset.json</c> and <c>*.bin</c>/<c>*.idx</c>).</summary>
    public const string Dataset = "dataset";

    /// <summary>The checkpoints (<c>step-NNNNNNNN/</c>).</summary>
    public const string Checkpoints = "checkpoints";

    /// <summary>The discriminator exported at the end (an HF folder; what <c>--init-from</c> reads beside <see cref="Generator"/>).</summary>
    public const string Discriminator = "discriminator";

    /// <summary>The generator exported at the end (an HF folder).</summary>
    public const string Generator = "generator";

    /// <summary>The MLM baseline's model exported at the end (an HF folder).</summary>
    public const string Mlm = "mlm";

    /// <summary>The HF folders exported at the end (as the objectives name them: <c>PretrainingObjective.ExportModels</c>).</summary>
    public static IReadOnlyList<string> Models { get; } = [Discriminator, Generator, Mlm];

    /// <summary>
    /// The extended, untrained pair a run with <see cref="PretrainingOptions.ExtendVocab"/> starts from (and a resume
    /// reloads): <c>discriminator/</c> and <c>generator/</c> with the grown vocabulary.
    /// </summary>
    public const string ExtendedPair = "init";

    /// <summary>TensorBoard events.</summary>
    public const string Events = "events";

    /// <summary>What identifies the run: the keys a resume must match (<see cref="RunIdentity"/>).</summary>
    public const string RunFile = "run.json";

    /// <summary>The fully resolved options of the run's latest session (the <c>--config</c> format).</summary>
    public const string OptionsFile = "options.json";

    /// <summary>One JSON line per log interval and evaluation.</summary>
    public const string MetricsFile = "metrics.jsonl";

    /// <summary>The training curves drawn from <see cref="MetricsFile"/> by the CLI.</summary>
    public const string PlotFile = "training.png";

    /// <summary>Every name a run writes into its output folder (and their temporary <c>.NAME.tmp-*</c> siblings).</summary>
    public static IReadOnlyList<string> Entries { get; } =
        [Tokenizer, Dataset, Checkpoints, .. Models, Events, ExtendedPair, RunFile, OptionsFile, MetricsFile, PlotFile];

    /// <summary>What <paramref name="outputDir"/> holds: <see cref="OutputFolderContents.OwnEntries"/> are a run's entries.</summary>
    /// <exception cref="OutputFolderException"><paramref name="outputDir"/> is a file.</exception>
    public static OutputFolderContents Inspect(string outputDir) => OutputFolder.Inspect(outputDir, (IReadOnlyCollection<string>)Entries);

    /// <summary>
    /// Throws unless <paramref name="outputDir"/> can take a new run: it does not exist, is empty, or was claimed for a
    /// run (marker) and holds none of a run's entries.
    /// </summary>
    /// <exception cref="OutputFolderException">It holds a run, or files electra did not create.</exception>
    public static void CheckNewRun(string outputDir, string option = "--out")
    {
        var folder = Inspect(outputDir);
        if (folder.OwnEntries.Count > 0)
            throw new OutputFolderException($"{option} {outputDir} already holds a pre-training run ({string.Join(", ", folder.OwnEntries)}); " +
                                            $"pass --resume to continue it, --force to replace it, or choose another {option}");
        if (folder.OtherEntries.Count > 0 && folder.Owner is null)
            throw new OutputFolderException($"{option} {outputDir} holds files electra did not create ({string.Join(", ", folder.OtherEntries.Take(5))}" +
                                            $"{(folder.OtherEntries.Count > 5 ? $", … ({folder.OtherEntries.Count} entries)" : "")}); " +
                                            $"choose another {option}, or pass --force to write the run beside them");
    }

    /// <summary>Throws unless <paramref name="outputDir"/> holds a run to resume (any of a run's entries).</summary>
    /// <exception cref="OutputFolderException">Nothing to resume there (a misspelt folder, say).</exception>
    public static void CheckResumable(string outputDir, string option = "--out")
    {
        if (Inspect(outputDir).OwnEntries.Count == 0)
            throw new OutputFolderException($"{option} {outputDir} holds no run to resume (no {RunFile} or {Checkpoints}/); " +
                                            $"check the folder name, or drop --resume to start a new run");
    }

    /// <summary>
    /// Throws when the run folder is, or holds, a folder the run reads (<c>--init-from</c>, <c>--tokenizer</c>): a
    /// replaced run would remove it.
    /// </summary>
    /// <exception cref="OutputFolderException">It is.</exception>
    public static void CheckInputs(string outputDir, PretrainingOptions options, PipelineOptions pipeline) =>
        OutputFolder.CheckInputs(outputDir, "--out", (options.InitFrom, "--init-from"),
            (pipeline.TokenizerDir is { } dir && Path.GetFullPath(dir) != Path.GetFullPath(Path.Combine(outputDir, Tokenizer)) ? dir : null, "--tokenizer"));

    /// <summary>Claims <paramref name="outputDir"/> for <paramref name="owner"/> (creating it), unless it is claimed already.</summary>
    public static void Claim(string outputDir, string owner) => OutputFolder.Claim(outputDir, owner);

    /// <summary>Removes the entries a run wrote from <paramref name="outputDir"/> (the marker stays; other files are kept).</summary>
    /// <returns>The names removed.</returns>
    public static IReadOnlyList<string> RemoveRun(string outputDir) => OutputFolder.RemoveOwn(outputDir, (IReadOnlyCollection<string>)Entries);

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
        string runFile = Path.Combine(outputDir, RunFile);
        if (!File.Exists(runFile) || RunIdentity.ParseFile(runFile) is not JsonObject run) return;
        if (run["dataset"]?.GetValue<string>() is not { } recorded || !Path.IsPathRooted(recorded)) return;
        string key = DatasetKey(outputDir, datasetDir);
        bool same = recorded == Path.GetFullPath(datasetDir) || (!Path.IsPathRooted(key) && key == Path.GetFileName(recorded.TrimEnd(Path.DirectorySeparatorChar)));
        if (!same) return;
        run["dataset"] = key;
        AtomicFile.WriteAllText(runFile, run.ToJsonString(new JsonSerializerOptions { WriteIndented = true }));
    }
}
