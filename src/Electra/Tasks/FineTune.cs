using Electra.FineTuning;
using Electra.Interop;
using Electra.IO;
using Electra.Tokenization;

namespace Electra.Tasks;

/// <summary>
/// The one fine-tuning entry point, what <c>electra finetune</c> does for a task folder of any kind: google-research/
/// electra's recipe (<see cref="FineTuneOptions"/>: <c>AdamWeightDecay</c> with global-norm clipping over layer-wise
/// learning-rate groups, linear warmup over the first 10% of steps then linear decay to 0, shuffled batches padded to
/// their longest example, dev evaluation after every epoch, the best epoch's weights kept and scored on test) around
/// the task kind's model, loss and evaluation (<see cref="FineTuningTask"/>). Deterministic for a seed on CPU.
/// </summary>
public static class FineTune
{
    /// <summary>
    /// Fine-tunes the model folder <paramref name="modelDir"/> (any pre-trained or fine-tuned ELECTRA folder with its
    /// <c>vocab.txt</c>; with <see cref="FineTuneOptions.RandomInit"/> only its config and vocabulary are used) on the
    /// task folder <paramref name="taskDir"/>, of the kind <see cref="TaskKinds.Detect"/> finds. With
    /// <paramref name="outputDir"/>, writes the best model there (the kind's layout, with the tokenizer files) and
    /// <c>results.json</c>, under the output-folder rule (<see cref="OutputFolder"/>: refused before any work when it is
    /// the model or task folder or holds files electra did not write; files a user put beside an earlier fine-tune's
    /// output are kept). Every input is checked before any training.
    /// </summary>
    public static FineTuneResult Run(string modelDir, string taskDir, FineTuneOptions options, string? outputDir = null,
        IProgress<FineTuneProgress>? progress = null, CancellationToken cancellationToken = default)
    {
        ValidateOptions(modelDir, taskDir, options);
        if (outputDir is not null) CheckOutput(outputDir, modelDir, taskDir);
        return Run(modelDir, TaskKinds.Load(taskDir), options, outputDir, progress, cancellationToken);
    }

    /// <summary>
    /// Checks <paramref name="options"/> for fine-tuning <paramref name="modelDir"/> on the task folder
    /// <paramref name="taskDir"/>, before any work (what <see cref="Run(string, string, FineTuneOptions, string?, IProgress{FineTuneProgress}?, CancellationToken)"/>
    /// does first): the general options (<see cref="FineTuneOptions.Validate(Modeling.ElectraConfig)"/>, the max length
    /// against the model's positions) and those only the folder's kind reads (<see cref="TaskFolderKind.ValidateOptions"/>).
    /// </summary>
    /// <exception cref="ArgumentException">A value no run could want; <see cref="OptionException"/> names a kind's option by its key.</exception>
    public static void ValidateOptions(string modelDir, string taskDir, FineTuneOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        options.Validate(Pretrained.ReadConfig(modelDir));
        TaskKinds.Detect(taskDir).ValidateOptions?.Invoke(options);
    }

    /// <summary>
    /// <see cref="Run(string, string, FineTuneOptions, string?, IProgress{FineTuneProgress}?, CancellationToken)"/> on a
    /// task already in memory (<see cref="ClassificationTask"/> of <see cref="TaskSplit.FromTexts"/>, a
    /// <see cref="FineTuning.QuestionAnswering.SquadTask"/> built in code, as the ML.NET trainers do): the same recipe, so
    /// the same data and seed give the same model.
    /// </summary>
    public static FineTuneResult Run(string modelDir, FineTuningTask task, FineTuneOptions options, string? outputDir = null,
        IProgress<FineTuneProgress>? progress = null, CancellationToken cancellationToken = default) =>
        Run(modelDir, task, null, options, outputDir, progress, cancellationToken);

    /// <summary>
    /// <see cref="Run(string, FineTuningTask, FineTuneOptions, string?, IProgress{FineTuneProgress}?, CancellationToken)"/>
    /// with <paramref name="tokenizer"/> instead of the model folder's: any Microsoft.ML.Tokenizers tokenizer over the
    /// model's vocabulary (<see cref="TokenizerAdapter.Create"/>: ML.NET's own <c>BertTokenizer</c>, or a subclass of
    /// your own with its token list), refused before any work when its vocabulary size or <c>[PAD]</c> id is not the
    /// model's. Classification kinds take any; question answering and the bi-encoder need Electra's
    /// <see cref="WordPieceTokenizer"/>. The output folder carries the model folder's tokenizer files (the same vocabulary).
    /// </summary>
    public static FineTuneResult Run(string modelDir, FineTuningTask task, TokenizerAdapter? tokenizer, FineTuneOptions options, string? outputDir = null,
        IProgress<FineTuneProgress>? progress = null, CancellationToken cancellationToken = default)
    {
        if (outputDir is not null) CheckOutput(outputDir, modelDir, null);
        var config = Pretrained.ReadConfig(modelDir);
        options.Validate(config);
        tokenizer = tokenizer is null
            ? TokenizerAdapter.Create(ElectraClassifier.LoadTokenizer(modelDir, config))
            : ElectraClassifier.CheckTokenizer(tokenizer, config, tokenizer.Tokenizer.GetType().FullName!);
        return task.Prepare(tokenizer, options).Train(task, modelDir, config, options, outputDir, progress, cancellationToken);
    }

    /// <summary>
    /// The recipe's defaults for the task folder <paramref name="taskDir"/>: its kind's (<see cref="TaskFolderKind.Defaults"/>;
    /// question answering: google's 2 epochs and windows of 512), with <see cref="FineTuneOptions.MaxLength"/> capped at
    /// the model's <c>max_position_embeddings</c>.
    /// </summary>
    public static FineTuneOptions DefaultOptions(string modelDir, string taskDir)
    {
        var defaults = TaskKinds.Detect(taskDir).Defaults;
        return defaults with { MaxLength = Math.Min(defaults.MaxLength, Pretrained.ReadConfig(modelDir).MaxPositionEmbeddings) };
    }

    /// <summary>
    /// Refuses, before any work, a fine-tuning output folder that would lose files: the model or task folder (or one
    /// holding them), a folder of files electra did not write, another command's folder (<see cref="OutputFolder.Check"/>).
    /// </summary>
    static void CheckOutput(string outputDir, string modelDir, string? taskDir) =>
        OutputFolder.Check(outputDir, FineTuneResult.Owner, "--out", (modelDir, "--model"), (taskDir, "--task"));
}
