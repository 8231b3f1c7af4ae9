using Electra.FineTuning;

namespace Electra.Tests.FineTuning;

/// <summary>The demo task the README fine-tunes on, made from the pre-training corpus (`electra corpus task`: SourceTaskCliTests in Electra.Cli.Tests).</summary>
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
}
