using Electra.FineTuning;
using Electra.Tokenization;

namespace Electra.Tests.FineTuning;

public class TaskReaderTests
{
    static string Write(TestPaths.TempDir dir, string name, string text)
    {
        File.WriteAllText(dir[name], text);
        return dir[name];
    }

    [Fact]
    public void Tsv_reads_single_texts_and_pairs_with_their_lines()
    {
        using var dir = new TestPaths.TempDir();
        var single = TsvTaskReader.Read(Write(dir, "a.tsv", "text\tlabel\n\"Quoted\" text\tpos\r\nsecond\tneg\n"));
        Assert.Equal(new[] { new SequenceExample("\"Quoted\" text", null, "pos", 2), new SequenceExample("second", null, "neg", 3) }, single);
        var pairs = TsvTaskReader.Read(Write(dir, "b.tsv", "text\ttext_b\tlabel\nA\tB\tyes\n"));
        Assert.Equal(new SequenceExample("A", "B", "yes", 2), Assert.Single(pairs));
        var unlabelled = TsvTaskReader.Read(Write(dir, "c.tsv", "text\nonly\n"), requireLabel: false);
        Assert.Null(Assert.Single(unlabelled).Label);
    }

    [Theory]
    [InlineData("sentence\tlabel\nx\ty\n", ":1: header 'sentence<TAB>label' is not one of: text<TAB>label | text<TAB>text_b<TAB>label")]
    [InlineData("text\tlabel\nx\ty\n\nz\tw\n", ":3: empty line; expected 2 tab-separated columns (text, label)")]
    [InlineData("text\tlabel\nx\ty\tz\n", ":2: 3 columns, expected 2 tab-separated columns (text, label)")]
    [InlineData("text\ttext_b\tlabel\nx\ty\n", ":2: 2 columns, expected 3 tab-separated columns (text, text_b, label)")]
    [InlineData("text\tlabel\nx\t\n", ":2: empty label")]
    [InlineData("", ":1: header '' is not one of")]
    public void Tsv_errors_name_file_line_and_expectation(string content, string message)
    {
        using var dir = new TestPaths.TempDir();
        string path = Write(dir, "bad.tsv", content);
        Assert.Contains(path + message, Assert.Throws<InvalidDataException>(() => TsvTaskReader.Read(path)).Message);
    }

    [Theory]
    [InlineData("The\tDET\ndog\tNOUN\n\nRuns\tVERB\n")]
    [InlineData("The\tDET\ndog\tNOUN\n\n\n\nRuns\tVERB\n\n\n")]
    [InlineData("\nThe\tDET\r\ndog\tNOUN\r\n\r\nRuns\tVERB")]
    public void Conll_splits_sentences_at_blank_lines_with_or_without_a_final_one(string content)
    {
        using var dir = new TestPaths.TempDir();
        var s = ConllTaskReader.Read(Write(dir, "a.conll", content));
        Assert.Equal(2, s.Count);
        Assert.Equal(new[] { "The", "dog" }, s[0].Words);
        Assert.Equal(new[] { "DET", "NOUN" }, s[0].Tags);
        Assert.Equal(new[] { "VERB" }, s[1].Tags);
        Assert.Equal(content.StartsWith('\n') ? 2 : 1, s[0].Line);
    }

    [Theory]
    [InlineData("a\tX\nb\n", true, ":2: 1 tab-separated column, expected 2 like the lines before (word<TAB>tag)")]
    [InlineData("a\n", true, ":1: 1 tab-separated column, expected 2 (word<TAB>tag)")]
    [InlineData("a\tX\tY\n", false, ":1: 3 tab-separated columns, expected 2 (word<TAB>tag) or 1 (word)")]
    [InlineData("a\tX\n\tY\n", true, ":2: empty word")]
    [InlineData("a\tX\nb\t\n", true, ":2: empty tag")]
    public void Conll_errors_name_file_line_and_expectation(string content, bool requireTags, string message)
    {
        using var dir = new TestPaths.TempDir();
        string path = Write(dir, "bad.conll", content);
        Assert.Contains(path + message, Assert.Throws<InvalidDataException>(() => ConllTaskReader.Read(path, requireTags)).Message);
    }

    [Fact]
    public void Conll_without_tags_is_read_for_prediction() =>
        Assert.Null(Assert.Single(ConllTaskReader.Read(WriteTemp("a\nb\n"), requireTags: false)).Tags);

    static string WriteTemp(string content)
    {
        string path = Path.Combine(Path.GetTempPath(), $"electra-tests-{Guid.NewGuid():N}.conll");
        File.WriteAllText(path, content);
        return path;
    }

    static WordPieceTokenizer Tokenizer => WordPieceTokenizer.Load(TestPaths.Fixture);

    [Fact]
    public void Word_labels_go_on_the_first_piece_and_words_past_the_limit_score_as_missing()
    {
        using var dir = new TestPaths.TempDir();
        var tok = Tokenizer;
        int Id(string t) => tok.TryGetId(t, out int id) ? id : throw new InvalidOperationException(t);
        string path = Write(dir, "s.conll", "w57\tA\nqz\tB\nw58\tA\n");
        var split = TaskSplit.Read(path);
        var labels = LabelSet.FromTraining(split.GoldLabels().Select(g => g.Label));

        var full = Assert.Single(split.Encode(tok, labels, maxLength: 16));
        Assert.Equal(new[] { tok.ClsId, Id("w57"), Id("q"), Id("##z"), Id("w58"), tok.SepId }, full.Ids);
        Assert.Equal(new[] { 1, 2, 4 }, full.Positions);
        Assert.Equal(new[] { 0, 1, 0 }, full.Gold);
        Assert.All(full.TypeIds, t => Assert.Equal(0, t));

        // Room for 3 pieces: "qz" keeps its first piece (still scored), "w58" falls off (position −1, scored wrong).
        var cut = Assert.Single(split.Encode(tok, labels, maxLength: 5));
        Assert.Equal(new[] { tok.ClsId, Id("w57"), Id("q"), Id("##z"), tok.SepId }, cut.Ids);
        var tight = Assert.Single(split.Encode(tok, labels, maxLength: 4));
        Assert.Equal(new[] { tok.ClsId, Id("w57"), Id("q"), tok.SepId }, tight.Ids);
        Assert.Equal(new[] { 1, 2, -1 }, tight.Positions);
    }

    [Fact]
    public void Texts_are_truncated_to_max_length_and_pairs_get_segment_ids()
    {
        using var dir = new TestPaths.TempDir();
        string path = Write(dir, "p.tsv", "text\ttext_b\tlabel\nw100 w101 w102 w103\tw104 w105\tx\n");
        var split = TaskSplit.Read(path);
        var e = Assert.Single(split.Encode(Tokenizer, new LabelSet(new[] { "x" }), maxLength: 7));
        Assert.Equal(7, e.Length); // longest-first: 4 + 2 → 2 + 2
        Assert.Equal(new[] { 0, 0, 0, 0, 1, 1, 1 }, e.TypeIds);
        Assert.Equal(new[] { 0 }, e.Positions);
    }

    [Fact]
    public void Unseen_dev_labels_are_an_error_naming_file_line_and_label()
    {
        using var dir = new TestPaths.TempDir();
        Directory.CreateDirectory(dir["t"]);
        File.WriteAllText(dir["t/train.conll"], "a\tX\nb\tY\n");
        File.WriteAllText(dir["t/dev.conll"], "a\tX\n\nb\tY\nc\tZ\n");
        var e = Assert.Throws<InvalidDataException>(() => ClassificationTask.Load(dir["t"]));
        Assert.Contains(dir["t/dev.conll"] + ":4: label 'Z' does not occur in the training data (known: X, Y)", e.Message);
    }

    [Fact]
    public void Task_folders_are_checked()
    {
        using var dir = new TestPaths.TempDir();
        Directory.CreateDirectory(dir["t"]);
        Assert.Contains("no train.tsv or train.conll", Assert.Throws<FileNotFoundException>(() => ClassificationTask.Load(dir["t"])).Message);
        File.WriteAllText(dir["t/train.tsv"], "text\tlabel\nx\tb\ny\ta\n");
        File.WriteAllText(dir["t/dev.conll"], "x\ta\n");
        Assert.Contains("a token file next to a sequence training file", Assert.Throws<InvalidDataException>(() => ClassificationTask.Load(dir["t"])).Message);
        File.Delete(dir["t/dev.conll"]);
        File.WriteAllText(dir["t/dev.tsv"], "text\tlabel\nz\ta\n");
        var task = ClassificationTask.Load(dir["t"]);
        Assert.Equal(("t", TaskKind.Sequence, "a,b"), (task.Name, task.Head, string.Join(",", task.Labels.Names)));
        Assert.Null(task.Test);
    }

    [Fact]
    public void Subsampling_is_seeded_and_keeps_file_order()
    {
        using var dir = new TestPaths.TempDir();
        string path = Write(dir, "s.tsv", "text\tlabel\n" + string.Concat(Enumerable.Range(0, 50).Select(i => $"t{i}\tx\n")));
        var split = TaskSplit.Read(path);
        var a = split.Subsample(10, seed: 1).Texts!.Select(t => t.Line).ToArray();
        Assert.Equal(a, split.Subsample(10, seed: 1).Texts!.Select(t => t.Line));
        Assert.NotEqual(a, split.Subsample(10, seed: 2).Texts!.Select(t => t.Line));
        Assert.Equal(a.Order(), a);
        Assert.Same(split, split.Subsample(50, seed: 1));
    }
}
