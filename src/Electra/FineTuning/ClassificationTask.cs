using Electra.Modeling;
using Electra.Tokenization;
using static TorchSharp.torch;

namespace Electra.FineTuning;

/// <summary>
/// The classification kinds: a task folder of <c>train</c>, <c>dev</c> and optionally <c>test</c>, each a <c>.tsv</c>
/// file (sequence classification of texts or text pairs, or regression when its labels are numbers with a decimal:
/// <see cref="LabelSet.AreValues"/>) or a <c>.conll</c> file (token classification), all of one kind. The label set is
/// the training data's, sorted; dev and test labels outside it (for regression: not numbers) are an error naming file
/// and line. A cross-encoder for re-ranking is a pair task of this kind (<c>text</c>, <c>text_b</c>, <c>label</c> 0/1).
/// </summary>
/// <param name="Name">The folder's name (e.g. <c>brown-genre</c>).</param>
/// <param name="Head">Sequence or token classification, or regression.</param>
/// <param name="Labels">The classes, from the training file.</param>
/// <param name="Train">Training examples.</param>
/// <param name="Dev">Examples that choose the best epoch.</param>
/// <param name="Test">Examples scored once with the best epoch's weights, or null.</param>
public sealed record ClassificationTask(string Name, TaskKind Head, LabelSet Labels, TaskSplit Train, TaskSplit Dev, TaskSplit? Test) : FineTuningTask(Name)
{
    /// <summary><c>sequence</c>, <c>token</c> or <c>regression</c>.</summary>
    public override string Kind => Head.ToString().ToLowerInvariant();

    /// <summary>Reads and checks a task folder.</summary>
    public static ClassificationTask Load(string dir)
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
        return new ClassificationTask(Path.GetFileName(Path.GetFullPath(dir).TrimEnd(Path.DirectorySeparatorChar)), regression ? TaskKind.Regression : train.Kind, labels, train, dev, test);
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

    /// <inheritdoc/>
    public override FineTuningRun Prepare(TokenizerAdapter tokenizer, FineTuneOptions options) => new Run(this, tokenizer, options);

    /// <summary>
    /// <see cref="ElectraClassifier"/> (<see cref="ElectraForSequenceClassification"/> or
    /// <see cref="ElectraForTokenClassification"/>): cross-entropy (MSE for regression) on batches padded to their
    /// longest example, dev scored with the kind's headline metric (<see cref="ClassificationMetrics.MetricFor"/>).
    /// </summary>
    sealed class Run(ClassificationTask task, TokenizerAdapter tokenizer, FineTuneOptions options)
        : FineTuningRun<ElectraClassifier, EncodedExample>(task.Train.Subsample(options.MaxTrainExamples, options.Seed).Encode(tokenizer, task.Labels, options.MaxLength))
    {
        readonly EncodedExample[] dev = task.Dev.Encode(tokenizer, task.Labels, options.MaxLength);
        readonly EncodedExample[]? test = task.Test?.Encode(tokenizer, task.Labels, options.MaxLength);

        protected override IReadOnlyList<string> Labels => task.Labels.Names;

        protected override (ElectraClassifier Model, TransferReport? Transfer) CreateModel(string modelDir, ElectraConfig config, FineTuneOptions options) =>
            options.RandomInit ? (ElectraClassifier.Create(task.Head, config, task.Labels), null) : ElectraClassifier.FromPretrained(modelDir, task.Head, task.Labels);

        /// <summary>The mean cross-entropy of the batch (for tokens, over scored positions only; MSE for regression).</summary>
        protected override Tensor Loss(ElectraClassifier model, IReadOnlyList<EncodedExample> batch)
        {
            var (ids, mask, types, targets) = FineTuner.Collate(batch, tokenizer.PadId, model.Kind);
            var logits = model.call(ids, mask, types); // [B, C], [B, T, C] or [B, 1]
            return model.Kind == TaskKind.Regression
                ? nn.functional.mse_loss(logits.squeeze(-1), targets) // [B] against the gold values, as HF's MSELoss
                : nn.functional.cross_entropy(logits.reshape(-1, logits.shape[^1]), targets.reshape(-1)); // ignores -100
        }

        protected override TaskMetrics EvaluateDev(ElectraClassifier model) => FineTuner.Evaluate(model, dev, tokenizer.PadId, options.EvalBatchSize);

        protected override TaskMetrics? EvaluateTest(ElectraClassifier model, TaskMetrics bestDev) =>
            test is null ? null : FineTuner.Evaluate(model, test, tokenizer.PadId, options.EvalBatchSize);

        protected override int Length(EncodedExample item) => item.Length;

        protected override void Save(ElectraClassifier model, string dir, string modelDir, FineTuneResult result) => model.Save(dir, modelDir);
    }
}
