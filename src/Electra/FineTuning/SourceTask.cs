using System.Text;
using Electra.Data;
using Electra.IO;

namespace Electra.FineTuning;

/// <summary>The split sizes of a task written by <see cref="SourceTask.Write"/>.</summary>
/// <param name="Labels">The labels (corpus file names without extension), in order.</param>
/// <param name="Train">Training examples.</param>
/// <param name="Dev">Development examples.</param>
/// <param name="Test">Test examples.</param>
public sealed record SourceTaskSummary(IReadOnlyList<string> Labels, int Train, int Dev, int Test);

/// <summary>
/// A small sequence-classification task any corpus yields, so fine-tuning can be tried without a labelled data set:
/// <em>which file does this passage come from?</em> Passages are runs of consecutive sentences of one document (at
/// least <see cref="MinWords"/> words, at most three sentences); each file is a label, balanced by sampling the same
/// number of passages from each; whole documents go to one split (8:1:1 by a hash of file and line), so no passage
/// of a test document was seen in training. On the default corpus the labels are <c>moby-dick</c> and <c>sotu</c>.
/// </summary>
public static class SourceTask
{
    /// <summary>The command its output folder's marker names (<see cref="OutputFolder"/>).</summary>
    public const string Owner = "corpus task";

    /// <summary>A passage has at least this many words.</summary>
    public const int MinWords = 12;

    /// <summary>
    /// Writes <c>train.tsv</c>, <c>dev.tsv</c> and <c>test.tsv</c> (header <c>text&lt;TAB&gt;label</c>) into
    /// <paramref name="outputDir"/>, at most <paramref name="trainPerLabel"/> training passages per label and an eighth
    /// of that for dev and test each, under the output-folder rule (<see cref="OutputFolder"/>: a folder of other files
    /// is refused before any work; an earlier <c>corpus task</c> output is replaced, files beside it are kept).
    /// </summary>
    /// <exception cref="InvalidDataException">Fewer than two corpus files, or a file too small to give passages for every split.</exception>
    /// <exception cref="OutputFolderException"><paramref name="outputDir"/> may not be written.</exception>
    public static SourceTaskSummary Write(IReadOnlyList<string> corpus, string outputDir, int trainPerLabel = 1000, int seed = 12345)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(trainPerLabel, 8);
        OutputFolder.Check(outputDir, Owner, "--out", corpus.Select(c => ((string?)c, "--corpus")).ToArray());
        var files = CorpusReader.ListFiles(corpus);
        var labels = files.Select(f => Path.GetFileNameWithoutExtension(f)).ToList();
        if (labels.Distinct().Count() != labels.Count || labels.Count < 2)
            throw new InvalidDataException($"a source task needs at least two corpus files with distinct names (got {string.Join(", ", labels)})");
        int[] quota = [trainPerLabel, Math.Max(1, trainPerLabel / 8), Math.Max(1, trainPerLabel / 8)];
        var splits = new List<(string Text, string Label)>[] { new(), new(), new() };
        var random = new Random(seed);
        for (int f = 0; f < files.Count; f++)
        {
            var bySplit = new List<string>[] { new(), new(), new() };
            foreach (var document in CorpusReader.ReadFile(files[f]))
            {
                ulong hash = DeterministicHash.Mix((ulong)seed ^ DeterministicHash.Mix((ulong)document.Line * 31 + (ulong)f));
                bySplit[(hash % 10) switch { < 8 => 0, 8 => 1, _ => 2 }].AddRange(Passages(document.Sentences));
            }
            for (int s = 0; s < 3; s++)
            {
                if (bySplit[s].Count < quota[s] / 2 || bySplit[s].Count == 0)
                    throw new InvalidDataException($"{files[f]} gives {bySplit[s].Count} passages for the {Name(s)} split; at least {Math.Max(1, quota[s] / 2)} are needed");
                splits[s].AddRange(bySplit[s].OrderBy(_ => random.Next()).Take(quota[s]).Select(p => (p, labels[f])));
            }
        }
        OutputFolder.Commit(outputDir, Owner, dir =>
        {
            for (int s = 0; s < 3; s++)
            {
                var text = new StringBuilder("text\tlabel\n");
                foreach (var (passage, label) in splits[s].OrderBy(_ => random.Next())) text.Append(passage).Append('\t').Append(label).Append('\n');
                File.WriteAllText(Path.Combine(dir, $"{Name(s)}.tsv"), text.ToString());
            }
        });
        return new SourceTaskSummary(labels, splits[0].Count, splits[1].Count, splits[2].Count);
    }

    static string Name(int split) => split switch { 0 => "train", 1 => "dev", _ => "test" };

    /// <summary>Runs of consecutive sentences with at least <see cref="MinWords"/> words (at most three sentences; shorter tails dropped).</summary>
    static IEnumerable<string> Passages(IReadOnlyList<string> sentences)
    {
        var passage = new List<string>();
        int words = 0;
        foreach (string sentence in sentences)
        {
            passage.Add(sentence.Replace('\t', ' '));
            words += sentence.Split(' ', StringSplitOptions.RemoveEmptyEntries).Length;
            if (words >= MinWords)
            {
                yield return string.Join(' ', passage);
                passage.Clear();
                words = 0;
            }
            else if (passage.Count == 3)
            {
                passage.Clear();
                words = 0;
            }
        }
    }
}
