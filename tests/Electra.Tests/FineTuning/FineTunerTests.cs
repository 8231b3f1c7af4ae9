using Electra.FineTuning;
using Electra.Tasks;

namespace Electra.Tests.FineTuning;

public class FineTunerTests
{
    static string Discriminator => Path.Combine(TestPaths.Fixture, "discriminator");

    static readonly FineTuneOptions Quick = new() { Epochs = 4, LearningRate = 2e-3, BatchSize = 16, MaxLength = 32, LogEvery = 5 };

    [Fact]
    public void A_random_model_learns_a_synthetic_text_task_far_above_chance()
    {
        using var dir = new TestPaths.TempDir();
        var reports = new List<FineTuneProgress>();
        var result = FineTune.Run(Discriminator, SyntheticTasks.Sequence(dir["task"]), Quick with { RandomInit = true, Epochs = 8 }, progress: new Collect(reports));
        Assert.Equal("sequence", result.Kind);
        Assert.Equal(new[] { "blue", "green", "red" }, result.Labels);
        Assert.Null(result.Transfer);
        Assert.Equal(8, result.Epochs.Count);
        Assert.True(Assert.IsType<ClassificationMetrics>(result.Dev).Accuracy > 0.8, $"dev {result.Dev} (chance 1/3)");
        Assert.True(((ClassificationMetrics)result.Test!).Accuracy > 0.8, $"test {result.Test}");
        Assert.Equal(result.Epochs.Max(e => e.Dev.Score), result.Dev.Score);
        Assert.True(result.Epochs[^1].TrainLoss < result.Epochs[0].TrainLoss);
        // 240 examples / 16 = 15 steps per epoch: reports at steps 5 and 10, then the epoch's end with dev metrics.
        Assert.Equal(new long[] { 5, 10, 15, 20, 25, 30 }, reports.Take(6).Select(r => r.Step));
        Assert.Equal(8, reports.Count(r => r.Dev is not null));
        Assert.All(reports, r => Assert.Equal(120, r.TotalSteps));
    }

    [Fact]
    public void The_pretrained_fixture_learns_a_synthetic_tagging_task_and_runs_are_deterministic()
    {
        using var dir = new TestPaths.TempDir();
        string task = SyntheticTasks.Token(dir["task"]);
        var options = Quick with { Epochs = 4, MaxTrainExamples = 100, Seed = 3 };
        var a = FineTune.Run(Discriminator, task, options);
        var b = FineTune.Run(Discriminator, task, options);
        Assert.Equal("token", a.Kind);
        Assert.Equal(100, a.TrainExamples);
        Assert.NotNull(a.Transfer);
        Assert.True(((ClassificationMetrics)a.Dev).Accuracy > 0.8, $"dev {a.Dev} (chance 1/2)");
        Assert.Equal(a.Epochs.Select(e => (e.TrainLoss, e.Dev)), b.Epochs.Select(e => (e.TrainLoss, e.Dev)));
        Assert.Equal(a.Test, b.Test);
    }

    [Fact]
    public void Grouping_by_length_learns_as_well_on_other_batches_than_the_default_run()
    {
        using var dir = new TestPaths.TempDir();
        string task = SyntheticTasks.Token(dir["task"]);
        var options = Quick with { Epochs = 4, MaxTrainExamples = 100, Seed = 3 };
        var grouped = FineTune.Run(Discriminator, task, options with { GroupByLength = true }, dir["out"]);
        var plain = FineTune.Run(Discriminator, task, options);
        Assert.True(((ClassificationMetrics)grouped.Dev).Accuracy > 0.8, $"dev {grouped.Dev} (chance 1/2)");
        Assert.NotEqual(plain.Epochs[0].TrainLoss, grouped.Epochs[0].TrainLoss); // the same examples, batched otherwise
        Assert.Contains("\"group_by_length\": true", File.ReadAllText(dir["out/results.json"]));
    }

    [Fact]
    public void The_model_keeps_the_best_epochs_weights_and_saves_them_with_results()
    {
        using var dir = new TestPaths.TempDir();
        var result = FineTune.Run(Discriminator, SyntheticTasks.Sequence(dir["task"], train: 64, dev: 40), Quick with { Epochs = 3, LogEvery = 0 }, dir["out"]);
        using var saved = ElectraClassifier.Load(dir["out"]);
        var tokenizer = ElectraClassifier.LoadTokenizer(dir["out"], saved.Config);
        var dev = TaskSplit.Read(Path.Combine(dir["task"], "dev.tsv")).Encode(tokenizer, saved.Labels, Quick.MaxLength);
        Assert.Equal(result.Dev, FineTuner.Evaluate(saved, dev, tokenizer.PadId));
        string json = File.ReadAllText(dir["out/results.json"]);
        Assert.Contains("\"kind\": \"sequence\"", json);
        Assert.Contains($"\"best_epoch\": {result.BestEpoch}", json);
    }

    [Fact]
    public void A_regression_task_learns_and_saves_an_hf_regression_head()
    {
        using var dir = new TestPaths.TempDir();
        var result = FineTune.Run(Discriminator, SyntheticTasks.Regression(dir["task"]), Quick with { RandomInit = true, Epochs = 8, LogEvery = 0 }, dir["out"]);
        Assert.Equal("regression", result.Kind);
        Assert.Equal(new[] { "LABEL_0" }, result.Labels);
        var dev = Assert.IsType<RegressionMetrics>(result.Dev);
        Assert.True(dev.Pearson > 0.8, $"dev {dev}");
        Assert.True(((RegressionMetrics)result.Test!).Spearman > 0.7, $"test {result.Test}");
        Assert.True(result.Epochs[^1].TrainLoss < result.Epochs[0].TrainLoss / 2, $"loss {result.Epochs[0].TrainLoss} → {result.Epochs[^1].TrainLoss}");

        var config = System.Text.Json.JsonDocument.Parse(File.ReadAllText(dir["out/config.json"])).RootElement;
        Assert.Equal("regression", config.GetProperty("problem_type").GetString());
        Assert.Equal("LABEL_0", config.GetProperty("id2label").GetProperty("0").GetString());
        using var saved = ElectraClassifier.Load(dir["out"]);
        Assert.Equal(TaskKind.Regression, saved.Kind);
        var tokenizer = ElectraClassifier.LoadTokenizer(dir["out"], saved.Config);
        var encoded = TaskSplit.Read(Path.Combine(dir["task"], "dev.tsv")).Encode(tokenizer, saved.Labels, Quick.MaxLength);
        Assert.Equal(result.Dev, FineTuner.Evaluate(saved, encoded, tokenizer.PadId));
        string json = File.ReadAllText(dir["out/results.json"]);
        Assert.Contains("\"kind\": \"regression\"", json);
        Assert.Contains("\"metric\": \"pearson\"", json);
        Assert.Contains("\"spearman\": ", json);
    }

    [Fact]
    public void Integer_labels_stay_classes_and_a_non_number_in_a_regression_dev_file_is_named()
    {
        using var dir = new TestPaths.TempDir();
        Directory.CreateDirectory(dir["t"]);
        File.WriteAllLines(dir["t/train.tsv"], new[] { "text\tlabel", "w100\t0", "w101\t1" });
        File.WriteAllLines(dir["t/dev.tsv"], new[] { "text\tlabel", "w100\t1" });
        var task = ClassificationTask.Load(dir["t"]);
        Assert.Equal(TaskKind.Sequence, task.Head);
        Assert.Equal(new[] { "0", "1" }, task.Labels.Names);

        File.WriteAllLines(dir["t/train.tsv"], new[] { "text\tlabel", "w100\t0", "w101\t2.5" });
        Assert.Equal(TaskKind.Regression, ClassificationTask.Load(dir["t"]).Head);
        File.WriteAllLines(dir["t/dev.tsv"], new[] { "text\tlabel", "w100\t1", "w101\thigh" });
        var e = Assert.Throws<InvalidDataException>(() => ClassificationTask.Load(dir["t"]));
        Assert.Contains("dev.tsv:3: label 'high' is not a number", e.Message);
    }

    [Fact]
    public void Bad_lengths_and_mismatched_models_are_refused()
    {
        using var dir = new TestPaths.TempDir();
        string task = SyntheticTasks.Sequence(dir["task"], train: 8, dev: 4);
        var e = Assert.Throws<ArgumentException>(() => FineTune.Run(Discriminator, task, Quick with { MaxLength = 129 }));
        Assert.Contains("max length 129 exceeds the model's max_position_embeddings 128", e.Message);
        Assert.Contains("epochs must be ≥ 1", Assert.Throws<ArgumentException>(() => FineTune.Run(Discriminator, task, Quick with { Epochs = 0 })).Message);
    }

    sealed class Collect(List<FineTuneProgress> into) : IProgress<FineTuneProgress>
    {
        public void Report(FineTuneProgress value) => into.Add(value);
    }
}
