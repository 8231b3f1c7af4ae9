using Electra.FineTuning;
using Electra.FineTuning.Prediction;
using Electra.FineTuning.QuestionAnswering;
using Electra.Retrieval;

namespace Electra.Tasks;

/// <summary>
/// A registered task kind: how to recognise its folder, how to read it, the recipe defaults that differ for it
/// (<see cref="FineTune.DefaultOptions"/>), the check of the options only it reads, and how <c>electra predict</c>
/// serves the models it fine-tunes.
/// </summary>
/// <param name="Name">The kind's name, for messages (the task's <see cref="FineTuningTask.Kind"/> names it in <c>results.json</c>).</param>
/// <param name="Recognizes">Whether a folder is of this kind (cheap: looks at file names or a header).</param>
/// <param name="Load">Reads and checks a folder of this kind; errors name the file and line.</param>
/// <param name="Defaults">The recipe's defaults for this kind (google's per-task settings; <c>new FineTuneOptions()</c> for most).</param>
public sealed record TaskFolderKind(string Name, Func<string, bool> Recognizes, Func<string, FineTuningTask> Load, FineTuneOptions Defaults)
{
    /// <summary>
    /// Checks the options only this kind reads (question answering's windows, retrieval's temperature), throwing
    /// <see cref="OptionException"/> naming the option; <see cref="FineTune.Run(string, string, FineTuneOptions, string?, IProgress{FineTuneProgress}?, CancellationToken)"/>
    /// calls it before reading the folder, and the CLI reports it as a usage error. Null: no options of its own.
    /// </summary>
    public Action<FineTuneOptions>? ValidateOptions { get; init; }

    /// <summary>
    /// How <see cref="Predictor"/> (<c>electra predict</c>) serves the models this kind fine-tunes: which folders are
    /// its, how to read an input file, run, decode and write. Null: its models are served elsewhere (a bi-encoder by
    /// <c>electra embed</c> and <c>search</c>).
    /// </summary>
    public TaskPrediction? Prediction { get; init; }
}

/// <summary>
/// The task kinds <see cref="FineTune.Run(string, string, FineTuneOptions, string?, IProgress{FineTuneProgress}?, CancellationToken)"/>
/// and <see cref="Predictor"/> know, and which one a folder is. Kinds a program registers are asked first, in registration order; then the
/// built-ins: question answering (a <c>train.json</c>), retrieval (a <c>train.tsv</c> headed
/// <c>query&lt;TAB&gt;positive</c>), and classification, which takes
/// any other folder (<c>train.tsv</c> or <c>train.conll</c>; its reader names the files a folder lacks).
/// </summary>
public static class TaskKinds
{
    /// <summary>The built-in kinds, in the order they are asked.</summary>
    public static IReadOnlyList<TaskFolderKind> BuiltIn { get; } =
    [
        new("question_answering", SquadTask.IsFolder, SquadTask.Load, new FineTuneOptions { Epochs = 2, MaxLength = 512 })
        {
            ValidateOptions = SquadTask.ValidateOptions,
            Prediction = new QuestionAnsweringPrediction(),
        },
        new("retrieval", BiEncoderTask.IsFolder, BiEncoderTask.Load, new FineTuneOptions()) { ValidateOptions = BiEncoderTask.ValidateOptions },
        new("classification", _ => true, ClassificationTask.Load, new FineTuneOptions()) { Prediction = new ClassificationPrediction() },
    ];

    static readonly List<TaskFolderKind> Registered = [];
    static readonly Lock Guard = new();

    /// <summary>Adds a kind, asked before the built-ins (and after kinds registered earlier).</summary>
    /// <exception cref="ArgumentException">A kind of that name is already registered or built in.</exception>
    public static void Register(TaskFolderKind kind)
    {
        ArgumentNullException.ThrowIfNull(kind);
        lock (Guard)
        {
            if (Registered.Concat(BuiltIn).Any(k => k.Name == kind.Name)) throw new ArgumentException($"a task kind named '{kind.Name}' is already registered", nameof(kind));
            Registered.Add(kind);
        }
    }

    /// <summary>Every kind in the order they are asked: the registered ones, then the built-ins.</summary>
    public static IReadOnlyList<TaskFolderKind> All
    {
        get
        {
            lock (Guard) return [.. Registered, .. BuiltIn];
        }
    }

    /// <summary>The kind of the task folder <paramref name="dir"/>: the first that recognises it.</summary>
    /// <exception cref="DirectoryNotFoundException">No such folder.</exception>
    public static TaskFolderKind Detect(string dir) =>
        Directory.Exists(dir) ? All.First(k => k.Recognizes(dir)) : throw new DirectoryNotFoundException($"{dir}: no such task folder");

    /// <summary>Reads the task folder <paramref name="dir"/> with its kind's reader.</summary>
    public static FineTuningTask Load(string dir) => Detect(dir).Load(dir);
}
