using Electra.FineTuning;
using Electra.FineTuning.QuestionAnswering;
using Electra.Tasks;

namespace Electra.Tests.FineTuning.QuestionAnswering;

public class QuestionAnsweringApiTests
{
    [Fact]
    public void Fine_tuner_and_predictor_agree_through_the_library_api()
    {
        using var dir = new TestPaths.TempDir();
        string task = SyntheticTasks.Squad(dir["task"], train: 64, eval: 24, unanswerable: 0.3, seed: 2);
        var reports = new List<FineTuneProgress>();
        var result = FineTune.Run(Path.Combine(TestPaths.Fixture, "discriminator"), task,
            new FineTuneOptions
            {
                Epochs = 2, LearningRate = 5e-3, BatchSize = 16, Seed = 4, MaxTrainExamples = 48, LogEvery = 2, MaxLength = 24,
                QuestionAnswering = new QuestionAnsweringOptions { DocStride = 8, MaxQueryLength = 4 },
            }, dir["out"], new SyncProgress(reports.Add));
        Assert.Equal(48, result.TrainExamples);
        Assert.Equal(2, result.Epochs.Count);
        Assert.Equal(2, reports.Count(r => r.Dev is not null));
        Assert.Contains(reports, r => r.Dev is null);
        Assert.Equal("question_answering", result.Kind);
        Assert.True(result.QuestionAnswering!.Version2WithNegative);
        Assert.Equal(24, result.QuestionAnswering.MaxSeqLength);
        Assert.Equal(((SquadScores)result.Dev).NullScoreDiffThreshold, result.QuestionAnswering.NullScoreDiffThreshold);
        Assert.NotNull(((SquadScores)result.Test!).NoAns);

        using var predictor = QuestionAnsweringPredictor.Load(dir["out"]);
        Assert.Equal(result.QuestionAnswering, predictor.Options);
        var test = SquadDataset.Read(Path.Combine(task, "test.json"));
        var answers = predictor.Predict(test.Examples, test.Path);
        Assert.Equal(result.Test, SquadMetrics.Evaluate(test.Examples, answers, true, predictor.Options.NullScoreDiffThreshold));
    }

    sealed class SyncProgress(Action<FineTuneProgress> report) : IProgress<FineTuneProgress>
    {
        public void Report(FineTuneProgress value) => report(value);
    }
}
