using Electra.FineTuning;

namespace Electra.Tests.FineTuning;

/// <summary>The demo task the README fine-tunes on, made from the pre-training corpus.</summary>
public class SourceTaskTests
{
    static readonly string[] Corpus = [Path.Combine(TestPaths.Pretrain, "moby-dick.txt"), Path.Combine(TestPaths.Pretrain, "sotu.txt")];

    [Fact]
    public void Writes_balanced_splits_with_whole_documents_in_one_split()
    {
        using var dir = new TestPaths.TempDir();
        var summary = SourceTask.Write(Corpus, dir["task"], trainPerLabel: 400, seed: 3);
        Assert.Equal(["moby-dick", "sotu"], summary.Labels);
        Assert.Equal((800, 100, 100), (summary.Train, summary.Dev, summary.Test));

        var splits = new[] { "train", "dev", "test" }.ToDictionary(s => s, s => TsvTaskReader.Read(Path.Combine(dir["task"], $"{s}.tsv")));
        Assert.All(splits.Values, examples => Assert.Equal(examples.Count / 2, examples.Count(e => e.Label == "sotu")));
        Assert.All(splits.Values.SelectMany(e => e), e => Assert.True(e.Text.Split(' ').Length >= SourceTask.MinWords, e.Text));
        // No passage of a dev or test document is in training: the splits share no text.
        var train = splits["train"].Select(e => e.Text).ToHashSet();
        Assert.DoesNotContain(splits["dev"].Concat(splits["test"]), e => train.Contains(e.Text));

        // Deterministic: the same seed writes the same files.
        SourceTask.Write(Corpus, dir["again"], trainPerLabel: 400, seed: 3);
        Assert.Equal(File.ReadAllText(Path.Combine(dir["task"], "test.tsv")), File.ReadAllText(Path.Combine(dir["again"], "test.tsv")));
    }

    [Fact]
    public void The_cli_writes_a_task_finetune_reads_and_never_into_a_used_folder()
    {
        using var dir = new TestPaths.TempDir();
        // Seed 3 as above: with the default seed no document of the corpora's cut (tests/data/pretrain) falls in dev.
        var (code, stdout, stderr) = Cli.Run(["corpus", "task", "--corpus", .. Corpus, "--out", dir["task"], "--train-per-label", "16", "--seed", "3"]);
        Assert.True(code == 0, stderr);
        Assert.Contains("labels moby-dick, sotu; 32 train, 4 dev, 4 test passages", stdout);
        Assert.Equal(TaskKind.Sequence, ClassificationTask.Load(dir["task"]).Head);

        // Its own task is replaced; a folder of other files is refused before any work.
        (code, _, stderr) = Cli.Run(["corpus", "task", "--corpus", .. Corpus, "--out", dir["task"], "--train-per-label", "16", "--seed", "4"]);
        Assert.True(code == 0, stderr);
        Directory.CreateDirectory(dir["used"]);
        File.WriteAllText(dir["used/train.tsv"], "mine");
        (code, _, stderr) = Cli.Run(["corpus", "task", "--corpus", .. Corpus, "--out", dir["used"]]);
        Assert.Equal(2, code);
        Assert.Contains("holds files electra did not create (train.tsv)", stderr);
        Assert.Equal("mine", File.ReadAllText(dir["used/train.tsv"]));
        (code, _, stderr) = Cli.Run(["corpus", "task", "--corpus", Corpus[0], "--out", dir["one"]]);
        Assert.Equal(1, code);
        Assert.Contains("at least two corpus files", stderr);
    }
}
