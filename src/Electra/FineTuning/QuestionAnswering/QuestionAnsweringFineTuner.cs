using System.Diagnostics;
using System.Text.Json;
using Electra.Interop;
using Electra.Native;
using Electra.Tokenization;
using Electra.Training;
using TorchSharp;
using static TorchSharp.torch;

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
        var task = SquadTask.Load(taskDir);
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
            {
                model.Save(outputDir, modelDir);
                AtomicFile.WriteAllText(Path.Combine(outputDir, QuestionAnsweringPredictor.SettingsFile),
                    JsonSerializer.Serialize(result.QuestionAnswering, new JsonSerializerOptions { WriteIndented = true }));
                AtomicFile.WriteAllText(Path.Combine(outputDir, "results.json"), result.ToJson());
            }
            return result;
        }
    }

    /// <summary>The windows of a task's splits (training subsampled per the recipe), built before any model work so bad input fails first.</summary>
    public sealed record Windows(IReadOnlyList<SquadExample> TrainExamples, List<QuestionAnsweringWindow> Train, List<QuestionAnsweringWindow> Dev, List<QuestionAnsweringWindow>? Test)
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
            return new Windows(train,
                QuestionAnsweringWindow.Build(train, tokenizer, options, task.Train.Path),
                QuestionAnsweringWindow.Build(task.Dev.Examples, tokenizer, options, task.Dev.Path),
                task.Test is null ? null : QuestionAnsweringWindow.Build(task.Test.Examples, tokenizer, options, task.Test.Path));
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
        var rng = new Random(recipe.Seed);
        var train = windows.Train;
        long stepsPerEpoch = (train.Count + recipe.BatchSize - 1) / recipe.BatchSize;
        long totalSteps = stepsPerEpoch * recipe.Epochs;
        long warmup = (long)(totalSteps * recipe.WarmupProportion);
        var schedule = new LearningRateSchedule(recipe.LearningRate, warmup, totalSteps);
        using var optimizer = new AdamWeightDecay(LayerwiseLearningRates.Groups(model, model.Config.NumHiddenLayers, recipe.LayerDecay, recipe.WeightDecay),
            new OptimizerOptions { LearningRate = recipe.LearningRate, WeightDecay = recipe.WeightDecay }.ForWarmup(warmup));

        var epochs = new List<QuestionAnsweringEpoch>();
        var thresholds = new List<double>();
        Dictionary<string, Tensor>? best = null;
        int bestEpoch = 0;
        long step = 0;
        using var lossSum = zeros(1);
        try
        {
            for (int epoch = 1; epoch <= recipe.Epochs; epoch++)
            {
                var epochClock = Stopwatch.StartNew();
                model.train();
                lossSum.zero_();
                var order = Enumerable.Range(0, train.Count).ToArray();
                rng.Shuffle(order);
                for (long b = 0; b < stepsPerEpoch; b++)
                {
                    cancellationToken.ThrowIfCancellationRequested();
                    var rows = order.Skip((int)(b * recipe.BatchSize)).Take(recipe.BatchSize).Select(i => train[i]).ToList();
                    TrainStep(model, optimizer, rows, tokenizer.PadId, schedule.At(step), lossSum);
                    step++;
                    if (recipe.LogEvery > 0 && step % recipe.LogEvery == 0 && b + 1 < stepsPerEpoch)
                        progress?.Report(new QuestionAnsweringProgress(epoch, step, totalSteps, MeanLoss(lossSum, b + 1), null, clock.Elapsed));
                }
                double trainLoss = MeanLoss(lossSum, stepsPerEpoch);
                var (dev, threshold) = EvaluateDev(model, task.Dev, windows.Dev, options, tokenizer.PadId, recipe.EvalBatchSize);
                epochs.Add(new QuestionAnsweringEpoch(epoch, trainLoss, dev, epochClock.Elapsed.TotalSeconds));
                thresholds.Add(threshold);
                progress?.Report(new QuestionAnsweringProgress(epoch, step, totalSteps, trainLoss, dev, clock.Elapsed));
                if (best is null || dev.F1 > epochs[bestEpoch - 1].Dev.F1)
                {
                    DisposeAll(best);
                    best = model.state_dict().ToDictionary(kv => kv.Key, kv => kv.Value.detach().clone());
                    bestEpoch = epoch;
                }
            }
            if (bestEpoch != recipe.Epochs)
                using (no_grad())
                    foreach (var (name, t) in model.state_dict()) t.copy_(best![name]);
        }
        finally
        {
            DisposeAll(best);
        }
        options = options with { NullScoreDiffThreshold = thresholds[bestEpoch - 1] };
        SquadScores? test = null;
        if (task.Test is { HasGold: true } testSet)
        {
            var predictions = QuestionAnsweringPredictor.Decode(model, testSet.Examples, windows.Test!, options, tokenizer.PadId, recipe.EvalBatchSize);
            var answers = AnswerDecoder.Answers(testSet.Examples, predictions, options.Version2WithNegative, options.NullScoreDiffThreshold);
            test = SquadMetrics.Evaluate(testSet.Examples, answers, options.Version2WithNegative, options.Version2WithNegative ? options.NullScoreDiffThreshold : null);
        }
        return new QuestionAnsweringResult(task.Name, windows.TrainExamples.Count, train.Count, epochs[bestEpoch - 1].Dev, test, bestEpoch, epochs,
            recipe, options, null, clock.Elapsed.TotalSeconds);
    }

    /// <summary>Dev scores; for SQuAD 2.0 at the threshold that maximises dev F1, which is returned (0 for 1.1).</summary>
    static (SquadScores Scores, double Threshold) EvaluateDev(ElectraForQuestionAnswering model, SquadDataset dev, List<QuestionAnsweringWindow> windows,
        QuestionAnsweringOptions options, int padId, int batchSize)
    {
        var predictions = QuestionAnsweringPredictor.Decode(model, dev.Examples, windows, options, padId, batchSize);
        if (!options.Version2WithNegative)
            return (SquadMetrics.Evaluate(dev.Examples, AnswerDecoder.Answers(dev.Examples, predictions, false, 0), false), 0);
        double threshold = SquadMetrics.BestThreshold(dev.Examples, predictions.Select(p => p.Text).ToList(), predictions.Select(p => p.NullScoreDiff).ToList());
        var answers = AnswerDecoder.Answers(dev.Examples, predictions, true, threshold);
        return (SquadMetrics.Evaluate(dev.Examples, answers, true, threshold), threshold);
    }

    /// <summary>One optimizer step on <paramref name="rows"/>; adds the loss to <paramref name="lossSum"/> on the device (no sync).</summary>
    static void TrainStep(ElectraForQuestionAnswering model, AdamWeightDecay optimizer, IReadOnlyList<QuestionAnsweringWindow> rows, int padId, double rate, Tensor lossSum)
    {
        using (NewDisposeScope())
        {
            var (ids, mask, types, starts, ends) = QuestionAnsweringPredictor.Collate(rows, padId);
            var (start, end) = model.call(ids, mask, types); // [B, T] each
            var loss = ElectraForQuestionAnswering.Loss(start, end, starts, ends);
            model.zero_grad();
            loss.backward();
            optimizer.Step(rate);
            using (no_grad()) lossSum.add_(loss.detach());
        }
        FinalizedHandles.ReleaseAfterStep();
    }

    // sync: reads the summed loss for a progress report or the epoch's result
    static double MeanLoss(Tensor lossSum, long steps) => lossSum.item<float>() / Math.Max(1, steps);

    static void DisposeAll(Dictionary<string, Tensor>? tensors)
    {
        if (tensors is null) return;
        foreach (var t in tensors.Values) t.Dispose();
    }
}
