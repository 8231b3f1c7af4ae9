using System.Diagnostics;
using System.Text.Json;
using Electra.IO;
using Electra.Interop;
using Electra.Tokenization;
using TorchSharp;

namespace Electra.FineTuning.QuestionAnswering;

/// <summary>
/// Extractive question answering on a SQuAD-format folder with google-research/electra's recipe (the optimizer,
/// layer-wise decay and schedule of <see cref="FineTuner"/>): windows of <c>[CLS] question [SEP] context [SEP]</c>,
/// HF's start/end cross-entropy, dev EM/F1 after every epoch with the best epoch's weights kept and scored on test.
/// For SQuAD 2.0 the no-answer threshold is chosen on dev after every epoch (google's <c>best_f1_thresh</c>),
/// reported with dev's scores and applied to test and to later predictions.
/// </summary>
public static class QuestionAnsweringFineTuner
{
    /// <summary>
    /// Fine-tunes the model folder <paramref name="modelDir"/> (pre-trained or fine-tuned ELECTRA with its
    /// <c>vocab.txt</c>; with <see cref="FineTuneOptions.RandomInit"/> only its config and vocabulary are used) on the
    /// SQuAD-format <paramref name="taskDir"/>. <see cref="FineTuneOptions.MaxLength"/> is not used: windows are
    /// <paramref name="options"/>' <see cref="QuestionAnsweringOptions.MaxSeqLength"/>. With
    /// <paramref name="outputDir"/>, writes the best model there in HF layout with the tokenizer files,
    /// <c>question_answering.json</c> and <c>results.json</c>. Every input file is checked before any training.
    /// </summary>
    public static QuestionAnsweringResult Run(string modelDir, string taskDir, FineTuneOptions recipe, QuestionAnsweringOptions options,
        string? outputDir = null, IProgress<QuestionAnsweringProgress>? progress = null, CancellationToken cancellationToken = default)
    {
        recipe.Validate();
        options.Validate();
        if (outputDir is not null) FineTuner.CheckOutput(outputDir, modelDir, taskDir);
        return Run(modelDir, SquadTask.Load(taskDir), recipe, options, outputDir, progress, cancellationToken);
    }

    /// <summary>
    /// <see cref="Run(string, string, FineTuneOptions, QuestionAnsweringOptions, string?, IProgress{QuestionAnsweringProgress}?, CancellationToken)"/>
    /// on questions already in memory (<see cref="SquadDataset"/>s built in code, as the ML.NET trainer does): the same
    /// recipe, so the same questions and seed give the same model.
    /// </summary>
    public static QuestionAnsweringResult Run(string modelDir, SquadTask task, FineTuneOptions recipe, QuestionAnsweringOptions options,
        string? outputDir = null, IProgress<QuestionAnsweringProgress>? progress = null, CancellationToken cancellationToken = default)
    {
        recipe.Validate();
        options.Validate();
        if (outputDir is not null) FineTuner.CheckOutput(outputDir, modelDir, null);
        var config = Pretrained.ReadConfig(modelDir);
        var tokenizer = ElectraClassifier.LoadTokenizer(modelDir, config);
        if (options.MaxSeqLength > config.MaxPositionEmbeddings)
            throw new ArgumentException($"max sequence length {options.MaxSeqLength} exceeds the model's max_position_embeddings {config.MaxPositionEmbeddings}");
        var windows = Windows.Of(task, tokenizer, options, recipe);
        torch.manual_seed(recipe.Seed);
        TransferReport? transfer = null;
        ElectraForQuestionAnswering model;
        if (recipe.RandomInit) model = new ElectraForQuestionAnswering(config);
        else (model, transfer) = ElectraForQuestionAnswering.FromPretrained(modelDir);
        using (model)
        {
            var result = Train(model, tokenizer, task, windows, recipe, options, progress, cancellationToken) with { Transfer = transfer };
            if (outputDir is not null)
                OutputFolder.Commit(outputDir, FineTuner.Owner, dir =>
                {
                    model.Save(dir, modelDir);
                    AtomicFile.WriteAllText(Path.Combine(dir, QuestionAnsweringOptions.FileName),
                        JsonSerializer.Serialize(result.QuestionAnswering, new JsonSerializerOptions { WriteIndented = true }));
                    AtomicFile.WriteAllText(Path.Combine(dir, "results.json"), result.ToJson());
                });
            return result;
        }
    }

    /// <summary>
    /// The windows of a task's splits (training subsampled per the recipe), built before any model work so bad input
    /// fails first; <paramref name="TruncatedQuestions"/> counts the questions of every split cut to the max query length.
    /// </summary>
    public sealed record Windows(IReadOnlyList<SquadExample> TrainExamples, List<QuestionAnsweringWindow> Train, List<QuestionAnsweringWindow> Dev, List<QuestionAnsweringWindow>? Test,
        int TruncatedQuestions = 0)
    {
        /// <summary>Windows every split of <paramref name="task"/>; errors name the file and question id.</summary>
        public static Windows Of(SquadTask task, WordPieceTokenizer tokenizer, QuestionAnsweringOptions options, FineTuneOptions recipe)
        {
            IReadOnlyList<SquadExample> train = task.Train.Examples;
            if (recipe.MaxTrainExamples is int n && n < train.Count)
            {
                var order = Enumerable.Range(0, train.Count).ToArray();
                new Random(recipe.Seed).Shuffle(order);
                train = order.Take(n).Order().Select(i => task.Train.Examples[i]).ToList();
            }
            int truncated = 0;
            void Count(SquadExample _) => truncated++;
            return new Windows(train,
                QuestionAnsweringWindow.Build(train, tokenizer, options, task.Train.Path, Count),
                QuestionAnsweringWindow.Build(task.Dev.Examples, tokenizer, options, task.Dev.Path, Count),
                task.Test is null ? null : QuestionAnsweringWindow.Build(task.Test.Examples, tokenizer, options, task.Test.Path, Count))
            { TruncatedQuestions = truncated };
        }
    }

    /// <summary>
    /// Trains <paramref name="model"/> in place on <paramref name="windows"/> of <paramref name="task"/> and leaves
    /// it holding the best epoch's weights; the result's <see cref="QuestionAnsweringResult.QuestionAnswering"/>
    /// carries SQuAD 2.0's threshold. Seed torch before building the model for a reproducible head.
    /// </summary>
    public static QuestionAnsweringResult Train(ElectraForQuestionAnswering model, WordPieceTokenizer tokenizer, SquadTask task, Windows windows,
        FineTuneOptions recipe, QuestionAnsweringOptions options, IProgress<QuestionAnsweringProgress>? progress = null, CancellationToken cancellationToken = default)
    {
        recipe.Validate();
        options = options.Validate() with { Version2WithNegative = task.IsVersion2 };
        var clock = Stopwatch.StartNew();
        torch.manual_seed(recipe.Seed);
        var (epochs, bestEpoch) = FineTuningLoop.Run(model, model.Config.NumHiddenLayers, windows.Train, recipe,
            rows =>
            {
                var (ids, mask, types, starts, ends) = QuestionAnsweringPredictor.Collate(rows, tokenizer.PadId);
                var (start, end) = model.call(ids, mask, types); // [B, T] each
                return ElectraForQuestionAnswering.Loss(start, end, starts, ends);
            },
            () => EvaluateDev(model, task.Dev, windows.Dev, options, tokenizer.PadId, recipe.EvalBatchSize), scores => scores.F1,
            progress is null ? null : (epoch, step, total, loss, dev, elapsed) => progress.Report(new QuestionAnsweringProgress(epoch, step, total, loss, dev, elapsed, windows.TruncatedQuestions)),
            cancellationToken, w => w.Length);
        var best = epochs[bestEpoch - 1].Dev;
        options = options with { NullScoreDiffThreshold = best.NullScoreDiffThreshold ?? 0 };
        SquadScores? test = null;
        if (task.Test is { HasGold: true } testSet)
        {
            var predictions = QuestionAnsweringPredictor.Decode(model, testSet.Examples, windows.Test!, options, tokenizer.PadId, recipe.EvalBatchSize);
            var answers = AnswerDecoder.Answers(testSet.Examples, predictions, options.Version2WithNegative, options.NullScoreDiffThreshold);
            test = SquadMetrics.Evaluate(testSet.Examples, answers, options.Version2WithNegative, options.Version2WithNegative ? options.NullScoreDiffThreshold : null);
        }
        return new QuestionAnsweringResult(task.Name, windows.TrainExamples.Count, windows.Train.Count, best, test, bestEpoch,
            epochs.Select(e => new QuestionAnsweringEpoch(e.Number, e.TrainLoss, e.Dev, e.Seconds)).ToList(), recipe, options, null, clock.Elapsed.TotalSeconds,
            windows.TruncatedQuestions);
    }

    /// <summary>Dev scores; for SQuAD 2.0 at the threshold that maximises dev F1, which they carry.</summary>
    static SquadScores EvaluateDev(ElectraForQuestionAnswering model, SquadDataset dev, List<QuestionAnsweringWindow> windows,
        QuestionAnsweringOptions options, int padId, int batchSize)
    {
        var predictions = QuestionAnsweringPredictor.Decode(model, dev.Examples, windows, options, padId, batchSize);
        if (!options.Version2WithNegative)
            return SquadMetrics.Evaluate(dev.Examples, AnswerDecoder.Answers(dev.Examples, predictions, false, 0), false);
        double threshold = SquadMetrics.BestThreshold(dev.Examples, predictions.Select(p => p.Text).ToList(), predictions.Select(p => p.NullScoreDiff).ToList());
        var answers = AnswerDecoder.Answers(dev.Examples, predictions, true, threshold);
        return SquadMetrics.Evaluate(dev.Examples, answers, true, threshold);
    }
}
