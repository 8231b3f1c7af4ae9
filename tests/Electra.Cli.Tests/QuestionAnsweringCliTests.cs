using System.Text.Json;
using Electra.FineTuning.QuestionAnswering;

namespace Electra.Tests.FineTuning.QuestionAnswering;

public class QuestionAnsweringCliTests
{
    static string Discriminator => Path.Combine(TestPaths.Fixture, "discriminator");

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void Finetune_then_predict_a_squad_task_end_to_end(bool version2)
    {
        using var dir = new TestPaths.TempDir();
        string task = SyntheticTasks.Squad(dir["task"], train: 256, eval: 48, unanswerable: version2 ? 0.3 : 0);
        // Two test questions longer than --max-query-length 4: truncated to "w58 w59 w60 w61" (google's rule), with one warning.
        string testFile = Path.Combine(task, "test.json");
        var withLong = SquadDataset.Read(testFile).Examples.Select((e, i) => i < 2 ? e with { Question = "w58 w59 w60 w61 w62 w63" } : e).ToList();
        SquadDataset.Write(testFile, withLong, version2);
        // Windows of 16 pieces with stride 4: most contexts span several windows.
        var (code, stdout, stderr) = Cli.Run("finetune", "--model", Discriminator, "--task", task, "--out", dir["out"],
            "--epochs", "2", "--lr", "5e-3", "--batch", "16", "--max-length", "24", "--doc-stride", "8", "--max-query-length", "4", "--seed", "1", "--threads", "1");
        Assert.True(code == 0, stdout + stderr);
        Assert.Equal(1, stderr.Split('\n').Count(l => l.StartsWith("warning: 2 questions have more than 4 word pieces (--max-query-length)", StringComparison.Ordinal)));
        Assert.Contains("for question answering", stdout);
        Assert.Contains("initialised 2 new (qa_outputs.weight, qa_outputs.bias)", stdout);
        foreach (string f in new[] { "config.json", "model.safetensors", "vocab.txt", "results.json", "question_answering.json" })
            Assert.True(File.Exists(Path.Combine(dir["out"], f)), f);

        var results = JsonDocument.Parse(File.ReadAllText(Path.Combine(dir["out"], "results.json"))).RootElement;
        Assert.Equal("question_answering", results.GetProperty("kind").GetString());
        Assert.Equal(256, results.GetProperty("train_examples").GetInt32());
        Assert.True(results.GetProperty("train_windows").GetInt32() > 256);
        var dev = results.GetProperty("dev");
        var test = results.GetProperty("test");
        double devF1 = dev.GetProperty("f1").GetDouble(), testEm = test.GetProperty("exact_match").GetDouble(), testF1 = test.GetProperty("f1").GetDouble();
        Assert.True(devF1 > 80, $"dev F1 {devF1}\n{stdout}");
        Assert.InRange(testEm, 0, 100);
        Assert.Equal(version2, dev.TryGetProperty("no_ans", out _));
        var settings = JsonDocument.Parse(File.ReadAllText(Path.Combine(dir["out"], "question_answering.json"))).RootElement;
        Assert.Equal(version2, settings.GetProperty("version_2_with_negative").GetBoolean());
        Assert.Equal(24, settings.GetProperty("max_seq_length").GetInt32());
        if (version2)
            Assert.Equal(dev.GetProperty("null_score_diff_threshold").GetDouble(), settings.GetProperty("null_score_diff_threshold").GetDouble());

        // predict reproduces fine-tuning's test scores from the saved folder alone.
        (code, stdout, stderr) = Cli.Run("predict", "--model", dir["out"], "--input", Path.Combine(task, "test.json"), "--output", dir["pred.json"], "--threads", "1");
        Assert.True(code == 0, stdout + stderr);
        Assert.Contains(FormattableString.Invariant($"metrics exact_match {testEm:F2} f1 {testF1:F2}"), stdout);
        var predictions = JsonSerializer.Deserialize<Dictionary<string, string>>(File.ReadAllText(dir["pred.json"]))!;
        var gold = SquadDataset.Read(Path.Combine(task, "test.json")).Examples;
        Assert.Equal(gold.Select(e => e.Id).Order(), predictions.Keys.Order());
        Assert.All(gold, e => Assert.True(predictions[e.Id] == "" || e.Context.Contains(predictions[e.Id]), $"{e.Id}: '{predictions[e.Id]}' is not from its context"));
        Assert.Equal(version2, predictions.Values.Any(v => v == ""));
        Assert.Contains("warning: 2 questions have more than 4 word pieces", stderr);

        // The ONNX export answers with the same windows, n-best decoding and threshold: the same file, "" included.
        (code, stdout, stderr) = Cli.Run("export-onnx", "--model", dir["out"], "--out", dir["onnx"], "--threads", "1");
        Assert.True(code == 0, stdout + stderr);
        Assert.Contains(QuestionAnsweringOptions.FileName, stdout);
        var onnx = Cli.Run("predict", "--runtime", "onnx", "--model", dir["onnx"], "--input", testFile, "--output", dir["onnx.json"], "--batch", "5", "--threads", "1");
        Assert.True(onnx.ExitCode == 0, onnx.Stdout + onnx.Stderr);
        Assert.Equal(File.ReadAllText(dir["pred.json"]), File.ReadAllText(dir["onnx.json"]));
        Assert.Contains(FormattableString.Invariant($"metrics exact_match {testEm:F2} f1 {testF1:F2}"), onnx.Stdout);
        Assert.Contains("warning: 2 questions have more than 4 word pieces", onnx.Stderr);
    }

    [Fact]
    public void Bad_squad_input_fails_before_training_naming_file_and_question()
    {
        using var dir = new TestPaths.TempDir();
        string task = SyntheticTasks.Squad(dir["task"], train: 4, eval: 2);
        string train = File.ReadAllText(Path.Combine(task, "train.json"));
        File.WriteAllText(Path.Combine(task, "train.json"), train.Replace("\"answer_start\":", "\"answer_start\":1"));
        var (code, _, stderr) = Cli.Run("finetune", "--model", Discriminator, "--task", task, "--out", dir["out"]);
        Assert.Equal(1, code);
        Assert.Contains("train.json: question train-0: answer_start 1", stderr);

        File.WriteAllText(Path.Combine(task, "train.json"), train[..^5]);
        (code, _, stderr) = Cli.Run("finetune", "--model", Discriminator, "--task", task, "--out", dir["out"]);
        Assert.Equal(1, code);
        Assert.Contains("train.json: not valid JSON", stderr);
        Assert.False(Directory.Exists(dir["out"]));

        (code, _, stderr) = Cli.Run("predict", "--model", Discriminator, "--input", Path.Combine(task, "dev.json"), "--output", dir["p.json"]);
        Assert.Equal(1, code);
        Assert.Contains("not ElectraForQuestionAnswering", stderr);
        Assert.False(File.Exists(dir["p.json"]));
    }

    [Fact]
    public void Squad_cloze_builds_a_checked_task_from_a_corpus_and_refuses_to_overwrite()
    {
        using var dir = new TestPaths.TempDir();
        string corpus = Path.Combine(TestPaths.Pretrain, "moby-dick.txt");
        var (code, stdout, stderr) = Cli.Run("squad-cloze", "--corpus", corpus, "--out", dir["cloze"], "--train", "60", "--dev", "20", "--test", "20", "--unanswerable", "0.25", "--seed", "3");
        Assert.True(code == 0, stderr);
        Assert.Contains("train.json 60, dev.json 20, test.json 20 questions (SQuAD 2.0", stdout);
        var train = SquadDataset.Read(Path.Combine(dir["cloze"], "train.json")); // the reader checks every answer_start
        var dev = SquadDataset.Read(Path.Combine(dir["cloze"], "dev.json"));
        Assert.True(train.IsVersion2);
        Assert.InRange(train.Examples.Count(e => e.IsImpossible), 5, 30);
        foreach (var e in train.Examples.Where(e => !e.IsImpossible))
        {
            Assert.Contains(ClozeTask.Blank, e.Question);
            Assert.Equal(e.Context[e.Answers[0].Start..e.Answers[0].End], e.Answers[0].Text);
            Assert.Contains(e.Question.Replace(ClozeTask.Blank, e.Answers[0].Text), e.Context); // the blanked sentence is in the context
        }
        foreach (var e in train.Examples.Where(e => e.IsImpossible))
            Assert.DoesNotContain(e.Question.Split(ClozeTask.Blank).MaxBy(part => part.Length)!, e.Context); // from another paragraph
        Assert.Empty(train.Examples.Select(e => e.Context).Intersect(dev.Examples.Select(e => e.Context))); // disjoint paragraphs

        Directory.CreateDirectory(dir["used"]);
        File.WriteAllText(dir["used/train.json"], "mine");
        (code, _, stderr) = Cli.Run("squad-cloze", "--corpus", corpus, "--out", dir["used"]);
        Assert.Equal(2, code);
        Assert.Contains("holds files electra did not create (train.json)", stderr);
        Assert.Equal("mine", File.ReadAllText(dir["used/train.json"]));
    }
}
