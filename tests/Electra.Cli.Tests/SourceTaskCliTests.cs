using Electra.FineTuning;

namespace Electra.Tests.FineTuning;

/// <summary>`electra corpus task`: the demo task the README fine-tunes on, written by the command. (What it writes: the core's SourceTaskTests.)</summary>
public class SourceTaskCliTests
{
    static readonly string[] Corpus = [Path.Combine(TestPaths.Pretrain, "moby-dick.txt"), Path.Combine(TestPaths.Pretrain, "sotu.txt")];

    [Fact]
    public void The_cli_writes_a_task_finetune_reads_and_never_into_a_used_folder()
    {
        using var dir = new TestPaths.TempDir();
        // Seed 3 as in SourceTaskTests: with the default seed no document of the corpora's cut (tests/data/pretrain) falls in dev.
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
