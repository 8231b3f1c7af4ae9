using System.Text.Json;
using Electra.IO;
using Electra.Modeling;
using Electra.Tokenization;
using static TorchSharp.torch;

namespace Electra.FineTuning.QuestionAnswering;

/// <summary>
/// A question-answering task folder: <c>train.json</c>, <c>dev.json</c> and optionally <c>test.json</c> in SQuAD
/// v1.1 or v2.0 format (<see cref="SquadDataset"/>). Training and dev need gold answers; a test file without them
/// is only predicted. The question-answering kind (google-research/electra's <c>qa_tasks.py</c>): windows of
/// <c>[CLS] question [SEP] context [SEP]</c> (<see cref="FineTuneOptions.MaxLength"/> pieces, the options'
/// <see cref="FineTuneOptions.QuestionAnswering"/> stride and query length), HF's start/end cross-entropy, dev EM/F1
/// after every epoch (F1 picks the best epoch). For SQuAD 2.0 the no-answer threshold is chosen on dev after every
/// epoch (google's <c>best_f1_thresh</c>), reported with dev's scores and applied to test and to later predictions
/// (<c>question_answering.json</c>).
/// </summary>
/// <param name="Name">The folder's name.</param>
/// <param name="Train">Training questions.</param>
/// <param name="Dev">Questions that choose the best epoch (and SQuAD 2.0's no-answer threshold).</param>
/// <param name="Test">Questions scored once with the best epoch's weights, or null.</param>
public sealed record SquadTask(string Name, SquadDataset Train, SquadDataset Dev, SquadDataset? Test) : FineTuningTask(Name)
{
    /// <summary>Always <c>question_answering</c>.</summary>
    public override string Kind => "question_answering";

    /// <summary>SQuAD 2.0 (some questions unanswerable) when the training or dev file is.</summary>
    public bool IsVersion2 => Train.IsVersion2 || Dev.IsVersion2;

    /// <summary>Whether <paramref name="dir"/> is a SQuAD-format task folder (it has a <c>train.json</c>).</summary>
    public static bool IsFolder(string dir) => File.Exists(Path.Combine(dir, "train.json"));

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

    /// <summary>
    /// The kind's option check: the windowing and decoding options (<see cref="FineTuneOptions.QuestionAnswering"/>)
    /// with windows of <see cref="FineTuneOptions.MaxLength"/> pieces, before any work.
    /// </summary>
    /// <exception cref="OptionException">A value no run could want, named by its key (a doc stride below 1, a max query length that leaves no room for context in the window, …).</exception>
    public static void ValidateOptions(FineTuneOptions options) => Settings(options, version2: false);

    /// <summary>The windowing and decoding settings of <paramref name="options"/>, checked.</summary>
    static QuestionAnsweringOptions Settings(FineTuneOptions options, bool version2) =>
        (options.QuestionAnswering with { MaxSeqLength = options.MaxLength, Version2WithNegative = version2 }).Validate();

    /// <summary>The windows of every split (training subsampled per the options); errors name the file and question id.</summary>
    public override FineTuningRun Prepare(TokenizerAdapter adapter, FineTuneOptions options)
    {
        var tokenizer = WordPieceOf(adapter);
        var settings = Settings(options, IsVersion2);
        var train = Subsample.Of(Train.Examples, options.MaxTrainExamples, options.Seed);
        int truncated = 0;
        void Count(SquadExample _) => truncated++;
        var trainWindows = QuestionAnsweringWindow.Build(train, tokenizer, settings, Train.Path, Count);
        var devWindows = QuestionAnsweringWindow.Build(Dev.Examples, tokenizer, settings, Dev.Path, Count);
        var testWindows = Test is null ? null : QuestionAnsweringWindow.Build(Test.Examples, tokenizer, settings, Test.Path, Count);
        return new Run(this, tokenizer.PadId, options, settings, train.Count, trainWindows, devWindows, testWindows, truncated);
    }

    /// <summary><see cref="ElectraForQuestionAnswering"/> on the windows of a task.</summary>
    sealed class Run(SquadTask task, int padId, FineTuneOptions options, QuestionAnsweringOptions settings, int trainQuestions,
        List<QuestionAnsweringWindow> train, List<QuestionAnsweringWindow> dev, List<QuestionAnsweringWindow>? test, int truncated)
        : FineTuningRun<ElectraForQuestionAnswering, QuestionAnsweringWindow>(train)
    {
        QuestionAnsweringOptions? chosen;

        /// <summary>The settings with the threshold chosen on dev (<see cref="EvaluateTest"/> sets it).</summary>
        QuestionAnsweringOptions Chosen => chosen ?? settings;

        protected override int TrainExamples => trainQuestions;

        protected override IReadOnlyList<string>? Labels => null;

        protected override int TruncatedQuestions => truncated;

        protected override (ElectraForQuestionAnswering Model, TransferReport? Transfer) CreateModel(string modelDir, ElectraConfig config, FineTuneOptions options) =>
            options.RandomInit ? (new ElectraForQuestionAnswering(config), null) : ElectraForQuestionAnswering.FromPretrained(modelDir);

        protected override Tensor Loss(ElectraForQuestionAnswering model, IReadOnlyList<QuestionAnsweringWindow> batch)
        {
            var (ids, mask, types, starts, ends) = QuestionAnsweringPredictor.Collate(batch, padId);
            var (start, end) = model.call(ids, mask, types); // [B, T] each
            return ElectraForQuestionAnswering.Loss(start, end, starts, ends);
        }

        /// <summary>Dev scores; for SQuAD 2.0 at the threshold that maximises dev F1, which they carry.</summary>
        protected override TaskMetrics EvaluateDev(ElectraForQuestionAnswering model)
        {
            var examples = task.Dev.Examples;
            var predictions = QuestionAnsweringPredictor.Decode(model, examples, dev, settings, padId, options.EvalBatchSize);
            if (!settings.Version2WithNegative)
                return SquadMetrics.Evaluate(examples, AnswerDecoder.Answers(examples, predictions, false, 0), false);
            double threshold = SquadMetrics.BestThreshold(examples, predictions.Select(p => p.Text).ToList(), predictions.Select(p => p.NullScoreDiff).ToList());
            return SquadMetrics.Evaluate(examples, AnswerDecoder.Answers(examples, predictions, true, threshold), true, threshold);
        }

        /// <summary>Test scores at dev's threshold, which the saved settings keep; null without a labelled test file.</summary>
        protected override TaskMetrics? EvaluateTest(ElectraForQuestionAnswering model, TaskMetrics bestDev)
        {
            var best = chosen = settings with { NullScoreDiffThreshold = ((SquadScores)bestDev).NullScoreDiffThreshold ?? 0 };
            if (task.Test is not { HasGold: true } testSet) return null;
            var predictions = QuestionAnsweringPredictor.Decode(model, testSet.Examples, test!, best, padId, options.EvalBatchSize);
            var answers = AnswerDecoder.Answers(testSet.Examples, predictions, best.Version2WithNegative, best.NullScoreDiffThreshold);
            return SquadMetrics.Evaluate(testSet.Examples, answers, best.Version2WithNegative, best.Version2WithNegative ? best.NullScoreDiffThreshold : null);
        }

        protected override int Length(QuestionAnsweringWindow item) => item.Length;

        protected override void Save(ElectraForQuestionAnswering model, string dir, string modelDir, FineTuneResult result)
        {
            model.Save(dir, modelDir);
            AtomicFile.WriteAllText(Path.Combine(dir, QuestionAnsweringOptions.FileName), JsonSerializer.Serialize(Chosen, new JsonSerializerOptions { WriteIndented = true }));
        }

        protected override FineTuneResult Describe(FineTuneResult result) =>
            result with { TrainWindows = train.Count, QuestionAnswering = Chosen, TruncatedQuestions = truncated };
    }
}
