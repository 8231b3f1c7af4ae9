namespace Electra.Tokenization.Tests;

/// <summary>The WordPiece trainer: layout, determinism, sanity of what it learns, and its errors.</summary>
public class TrainerTests
{
    static readonly string[] Corpus = BuildCorpus();

    static string[] BuildCorpus()
    {
        // Frequent words, a family sharing a stem, and one rare word; deterministic.
        var rng = new Random(7);
        string[] frequent = { "the", "cat", "sat", "on", "mat", "and", "dog", "ran" };
        string[] family = { "playing", "played", "player", "plays", "replay" };
        var lines = new List<string>();
        for (int i = 0; i < 400; i++)
            lines.Add(string.Join(' ', Enumerable.Range(0, 8).Select(_ => rng.Next(3) == 0 ? family[rng.Next(family.Length)] : frequent[rng.Next(frequent.Length)])) + ".");
        lines.Add("The Zygomorphic cat.");
        return lines.ToArray();
    }

    static readonly WordPieceTrainerOptions Small = new() { VocabSize = 60, MinFrequency = 2 };

    [Fact] // Special tokens first with ids 0..4; then the alphabet and its ## forms; size as requested.
    public void LayoutStartsWithSpecialTokensThenAlphabet()
    {
        var t = WordPieceTrainer.Train(Corpus, Small);
        Assert.Equal(new[] { "[PAD]", "[UNK]", "[CLS]", "[SEP]", "[MASK]" }, t.Vocabulary.Take(5));
        Assert.Equal((0, 1, 2, 3, 4), (t.PadId, t.UnkId, t.ClsId, t.SepId, t.MaskId));
        Assert.Equal(".", t.Vocabulary[5]); // code-point order: '.' < letters
        Assert.Contains("##z", t.Vocabulary);
        Assert.Equal(60, t.VocabSize);
    }

    [Fact] // Frequent words are whole tokens; the rare word is spelled in pieces, never [UNK].
    public void LearnsFrequentWordsWhole()
    {
        var t = WordPieceTrainer.Train(Corpus, Small);
        foreach (string w in new[] { "the", "cat", "mat", "dog", "play" }) Assert.Contains(w, t.Vocabulary);
        Assert.Single(t.TokenizeToIds("the"));
        int[] rare = t.TokenizeToIds("zygomorphic");
        Assert.True(rare.Length > 2);
        Assert.DoesNotContain(t.UnkId, rare);
        Assert.Equal("zygomorphic", t.Decode(rare));
    }

    [Fact] // Same input and options → the same vocabulary, whatever the order texts come in.
    public void IsDeterministic()
    {
        var a = WordPieceTrainer.Train(Corpus, Small);
        var b = WordPieceTrainer.Train(Corpus.Reverse(), Small);
        Assert.Equal(a.Vocabulary, b.Vocabulary);
    }

    [Fact] // min_frequency stops merging early; the alphabet limit keeps only the most frequent characters.
    public void MinFrequencyAndAlphabetLimit()
    {
        var strict = WordPieceTrainer.Train(["ab ab cd"], new WordPieceTrainerOptions { VocabSize = 100, MinFrequency = 2 });
        Assert.Equal(new[] { "a", "b", "c", "d", "##a", "##b", "##c", "##d", "ab" }, strict.Vocabulary.Skip(5));
        var limited = WordPieceTrainer.Train(["aaa bb c"], new WordPieceTrainerOptions { VocabSize = 100, LimitAlphabet = 2 });
        Assert.Equal(new[] { "a", "b", "##a", "##b" }, limited.Vocabulary.Skip(5).Take(4));
        Assert.DoesNotContain("c", limited.Vocabulary);
    }

    [Fact] // Files: progress is reported and the result round-trips; an empty corpus and bad UTF-8 are clear errors.
    public void TrainsFromFilesWithProgressAndErrors()
    {
        string dir = Fixtures.TempFolder();
        string good = Path.Combine(dir, "a.txt");
        File.WriteAllLines(good, Corpus);
        var reports = new List<WordPieceTrainerProgress>();
        var t = WordPieceTrainer.TrainFromFiles([good], Small, new SynchronousProgress(reports.Add));
        Assert.Equal(WordPieceTrainingPhase.Done, reports[^1].Phase);
        Assert.Equal(new FileInfo(good).Length, reports[^1].BytesRead);
        Assert.Equal(Corpus.Length, reports[^1].TextsRead);
        Assert.Equal(WordPieceTrainer.Train(Corpus, Small).Vocabulary, t.Vocabulary);

        string empty = Path.Combine(dir, "empty.txt");
        File.WriteAllText(empty, "\n \n\u200b\n");
        Assert.Contains("no words", Assert.Throws<InvalidDataException>(() => WordPieceTrainer.TrainFromFiles([empty], Small)).Message);
        string bad = Path.Combine(dir, "bad.txt");
        File.WriteAllBytes(bad, [(byte)'o', (byte)'k', (byte)'\n', 0xFF, (byte)'\n']);
        Assert.Contains("bad.txt:2", Assert.Throws<InvalidDataException>(() => WordPieceTrainer.TrainFromFiles([bad], Small)).Message);
    }

    [Fact] // Cancellation is honoured.
    public void Cancels()
    {
        using var cts = new CancellationTokenSource();
        cts.Cancel();
        Assert.ThrowsAny<OperationCanceledException>(() => WordPieceTrainer.Train(Enumerable.Repeat("a b c", 50_000), Small, null, cts.Token));
    }

    sealed class SynchronousProgress(Action<WordPieceTrainerProgress> report) : IProgress<WordPieceTrainerProgress>
    {
        public void Report(WordPieceTrainerProgress value) => report(value);
    }
}
