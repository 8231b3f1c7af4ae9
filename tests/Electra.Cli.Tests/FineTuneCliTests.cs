using System.Text.Json;

namespace Electra.Tests.FineTuning;

public class FineTuneCliTests
{
    static string Discriminator => Path.Combine(TestPaths.Fixture, "discriminator");

    [Fact]
    public void Finetune_then_predict_a_token_task_end_to_end()
    {
        using var dir = new TestPaths.TempDir();
        string task = SyntheticTasks.Token(dir["task"]);
        var (code, stdout, stderr) = Cli.Run("finetune", "--model", Discriminator, "--task", task, "--out", dir["out"],
            "--epochs", "2", "--lr", "2e-3", "--batch", "16", "--max-length", "32", "--seed", "1");
        Assert.True(code == 0, stderr);
        Assert.Contains("epoch 2 step 16/16", stdout);
        Assert.Contains("weights from ", stdout);
        Assert.Contains("ignored 4 (discriminator_predictions.", stdout);
        foreach (string f in new[] { "config.json", "model.safetensors", "vocab.txt", "results.json" })
            Assert.True(File.Exists(Path.Combine(dir["out"], f)), f);

        var results = JsonDocument.Parse(File.ReadAllText(Path.Combine(dir["out"], "results.json"))).RootElement;
        Assert.Equal("task", results.GetProperty("task").GetString());
        Assert.Equal("token", results.GetProperty("kind").GetString());
        Assert.InRange(results.GetProperty("best_epoch").GetInt32(), 1, 2);
        Assert.Equal(2, results.GetProperty("options").GetProperty("epochs").GetInt32());
        double devAccuracy = results.GetProperty("dev").GetProperty("accuracy").GetDouble();
        Assert.True(devAccuracy > 0.8, $"dev accuracy {devAccuracy}");
        Assert.True(results.GetProperty("test").GetProperty("count").GetInt32() > 0);

        // Predict the test file with gold tags: its metrics are the ones fine-tuning reported for test.
        (code, stdout, stderr) = Cli.Run("predict", "--model", dir["out"], "--input", Path.Combine(task, "test.conll"), "--output", dir["pred.conll"]);
        Assert.True(code == 0, stderr);
        double testAccuracy = results.GetProperty("test").GetProperty("accuracy").GetDouble();
        Assert.Contains($"metrics accuracy {testAccuracy:F4}", stdout);
        var gold = File.ReadAllLines(Path.Combine(task, "test.conll"));
        var predicted = File.ReadAllLines(dir["pred.conll"]);
        Assert.Equal(gold.Length, predicted.Length);
        Assert.All(gold.Zip(predicted), p => Assert.Equal(p.First.Split('\t')[0], p.Second.Split('\t')[0]));
        Assert.All(predicted.Where(l => l.Length > 0), l => Assert.Contains(l.Split('\t')[1], new[] { "LOW", "HIGH" }));
    }

    [Fact]
    public void Finetune_from_random_init_and_predict_an_unlabelled_tsv()
    {
        using var dir = new TestPaths.TempDir();
        string task = SyntheticTasks.Sequence(dir["task"], train: 32, dev: 8);
        var (code, stdout, stderr) = Cli.Run("finetune", "--model", Discriminator, "--init", "random", "--task", task, "--out", dir["out"],
            "--epochs", "1", "--max-train", "16", "--max-length", "16");
        Assert.True(code == 0, stderr);
        Assert.DoesNotContain("weights from", stdout);
        Assert.Contains("(16 training examples", stdout);

        File.WriteAllText(dir["in.tsv"], "text\nw57 w100\nw58 w101\n");
        (code, stdout, stderr) = Cli.Run("predict", "--model", dir["out"], "--input", dir["in.tsv"], "--output", dir["out.tsv"]);
        Assert.True(code == 0, stderr);
        Assert.DoesNotContain("metrics", stdout);
        var lines = File.ReadAllLines(dir["out.tsv"]);
        Assert.Equal("text\tprediction", lines[0]);
        Assert.Equal(3, lines.Length);
        Assert.All(lines.Skip(1), l => Assert.Contains(l.Split('\t')[1], new[] { "red", "green", "blue" }));
    }

    [Fact]
    public void Usage_and_input_errors_have_their_exit_codes()
    {
        using var dir = new TestPaths.TempDir();
        var (code, _, stderr) = Cli.Run("finetune", "--model", Discriminator, "--task", dir.Path);
        Assert.Equal(2, code);
        Assert.Contains("missing required option --out", stderr);
        (code, _, stderr) = Cli.Run("finetune", "--model", Discriminator, "--task", dir.Path, "--out", dir["o"], "--init", "zero");
        Assert.Equal(2, code);
        Assert.Contains("--init expects pretrained or random, got 'zero'", stderr);

        string task = SyntheticTasks.Sequence(dir["task"], train: 8, dev: 4);
        File.AppendAllText(Path.Combine(task, "dev.tsv"), "w57\tpurple\n");
        (code, _, stderr) = Cli.Run("finetune", "--model", Discriminator, "--task", task, "--out", dir["o"]);
        Assert.Equal(1, code);
        Assert.Contains("dev.tsv:6: label 'purple' does not occur in the training data", stderr);
        Assert.False(Directory.Exists(dir["o"]));

        (code, _, stderr) = Cli.Run("predict", "--model", Discriminator, "--input", Path.Combine(task, "train.tsv"), "--output", dir["p.tsv"]);
        Assert.Equal(1, code);
        Assert.Contains("is not a fine-tuned classifier", stderr);
    }
}
