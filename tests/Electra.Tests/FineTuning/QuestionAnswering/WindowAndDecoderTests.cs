using Electra.FineTuning.QuestionAnswering;
using Electra.Tokenization;

namespace Electra.Tests.FineTuning.QuestionAnswering;

public class WindowAndDecoderTests
{
    static readonly WordPieceTokenizer Tokenizer = WordPieceTokenizer.Load(Path.Combine(TestPaths.Fixture, "discriminator"));

    /// <summary>30 one-piece words W100 … W129 (capitalised: answers must come from the original text, not the lower-cased pieces).</summary>
    static readonly string Context = string.Join(" ", Enumerable.Range(100, 30).Select(i => $"W{i}"));

    static SquadAnswer Word(int n) => new($"W{n}", Context.IndexOf($"W{n}", StringComparison.Ordinal));

    // Window: [CLS] q q q [SEP] 10 context pieces [SEP] = 16; stride 4 → windows over pieces 0–9, 4–13, 8–17, …
    static readonly QuestionAnsweringOptions Small = new() { MaxSeqLength = 16, DocStride = 4, MaxQueryLength = 8, MaxAnswerLength = 5, NBestSize = 5 };

    static SquadExample Example(params SquadAnswer[] answers) => new("q1", "w57 w58 w59", Context, answers, answers.Length == 0);

    [Fact]
    public void An_answer_in_the_second_window_is_labelled_there_and_cls_elsewhere()
    {
        var windows = QuestionAnsweringWindow.Build(new[] { Example(Word(112)) }, Tokenizer, Small, "t.json");
        Assert.Equal(6, windows.Count); // starts 0, 4, 8, 12, 16, 20 (20–29 reaches the end)
        Assert.All(windows, w => Assert.Equal(16, w.Length));
        // Window 1 holds pieces 4–13: W112 is piece 12, at 5 + 12 − 4 = 13. Window 0 (0–9) lacks it: [CLS].
        Assert.Equal((0, 0), (windows[0].StartPosition, windows[0].EndPosition));
        Assert.Equal((13, 13), (windows[1].StartPosition, windows[1].EndPosition));
        Assert.Equal("w112", Tokenizer.IdToToken(windows[1].Ids[13]));
        Assert.Equal(Word(112).Start, windows[1].Offsets[13].Start);
        Assert.Equal((9, 9), (windows[2].StartPosition, windows[2].EndPosition)); // 5 + 12 − 8
        Assert.Equal((5, 5), (windows[3].StartPosition, windows[3].EndPosition)); // 12–21 holds it too: 5 + 0
        Assert.Equal((0, 0), (windows[4].StartPosition, windows[4].EndPosition));
        // Layout: [CLS] w57 w58 w59 [SEP] context… [SEP], types 0 then 1, offsets only on context pieces.
        Assert.Equal(new[] { "[CLS]", "w57", "w58", "w59", "[SEP]", "w104" }, windows[1].Ids.Take(6).Select(Tokenizer.IdToToken));
        Assert.Equal(new[] { 0, 0, 0, 0, 0, 1 }, windows[1].TypeIds.Take(6));
        Assert.False(windows[1].IsContext(4));
        Assert.False(windows[1].IsContext(15));
        // Piece 12 is best centred in the window 8–17 (min(4, 5) context), so only there may an answer start.
        Assert.Equal(new[] { false, false, true, false, false, false }, windows.Select(w => w.Offsets.Select((o, i) => (o, i)).Any(x => x.o.Start == Word(112).Start && w.IsMaxContext[x.i])));

        // A span crossing a window's edge is labelled only in windows that hold all of it.
        var span = new SquadAnswer("W109 W110 W111", Word(109).Start);
        var crossing = QuestionAnsweringWindow.Build(new[] { Example(span) }, Tokenizer, Small, "t.json");
        Assert.Equal((0, 0), (crossing[0].StartPosition, crossing[0].EndPosition)); // 0–9 holds only W109
        Assert.Equal((10, 12), (crossing[1].StartPosition, crossing[1].EndPosition));
    }

    [Fact]
    public void Decoding_searches_every_window_and_cuts_the_answer_from_the_original_context()
    {
        var example = Example(Word(112));
        var windows = QuestionAnsweringWindow.Build(new[] { example }, Tokenizer, Small, "t.json");
        var logits = windows.Select(w => (Enumerable.Repeat(-10f, w.Length).ToArray(), Enumerable.Repeat(-10f, w.Length).ToArray())).ToList();
        // Window 2 (pieces 8–17): W112 at 9 … W114 at 11 is the best valid span.
        logits[2].Item1[9] = 5;
        logits[2].Item2[11] = 4;
        // Higher-scoring decoys. Window 3 (12–21): a start at W116 with an end before it (W114) or 6 pieces on (W121).
        logits[3].Item1[9] = 9; logits[3].Item2[7] = 9; logits[3].Item2[14] = 8;
        // Window 4: a start on a question piece. Window 1 (4–13): W113, which is better centred in window 2.
        logits[4].Item1[2] = 9; logits[4].Item2[6] = 9;
        logits[1].Item1[14] = 9; logits[1].Item2[14] = 9;
        var predictions = AnswerDecoder.Decode(new[] { example }, windows, logits, Small);
        Assert.Equal("W112 W113 W114", predictions[0].Text);
        Assert.Equal(9, predictions[0].Score);
        Assert.Equal(-20 - 9, predictions[0].NullScoreDiff); // [CLS] start + end: −20 in every window
    }

    [Fact]
    public void A_confident_cls_means_no_answer_under_squad2_and_the_best_span_under_squad1()
    {
        var example = Example();
        var windows = QuestionAnsweringWindow.Build(new[] { example }, Tokenizer, Small, "t.json");
        Assert.All(windows, w => Assert.Equal((0, 0), (w.StartPosition, w.EndPosition)));
        var logits = windows.Select(w => (Enumerable.Repeat(0f, w.Length).ToArray(), Enumerable.Repeat(0f, w.Length).ToArray())).ToList();
        foreach (var (s, e) in logits) { s[0] = 3; e[0] = 3; }
        logits[0].Item1[0] = 1; // the null score is the lowest over windows: 1 + 3
        logits[3].Item1[10] = 2; logits[3].Item2[10] = 1; // best span: W117, best centred in window 12–21, score 3
        var prediction = AnswerDecoder.Decode(new[] { example }, windows, logits, Small)[0];
        Assert.Equal(("W117", 3.0, 1.0), (prediction.Text, prediction.Score, prediction.NullScoreDiff));
        Assert.Equal("", AnswerDecoder.Answers(new[] { example }, new[] { prediction }, version2: true, nullScoreDiffThreshold: 0.5)["q1"]);
        Assert.Equal("W117", AnswerDecoder.Answers(new[] { example }, new[] { prediction }, version2: true, nullScoreDiffThreshold: 1.5)["q1"]);
        Assert.Equal("W117", AnswerDecoder.Answers(new[] { example }, new[] { prediction }, version2: false, nullScoreDiffThreshold: 0.5)["q1"]);
    }

    [Fact]
    public void A_question_longer_than_the_max_query_length_keeps_its_first_pieces_and_is_reported()
    {
        var longQuestion = new SquadExample("q-long", "w57 w58 w59 w60 w61 w62 w63 w64 w65", Context, new[] { Word(101) }, false);
        var reported = new List<string>();
        var windows = QuestionAnsweringWindow.Build(new[] { longQuestion, Example(Word(101)) }, Tokenizer, Small, "dev.json", e => reported.Add(e.Id));
        Assert.Equal(new[] { "q-long" }, reported); // the 3-piece question is not
        // google's rule: the first 8 of 9 pieces, then [SEP]; the window keeps 16 - 8 - 3 = 5 context pieces.
        Assert.Equal(new[] { "[CLS]", "w57", "w58", "w59", "w60", "w61", "w62", "w63", "w64", "[SEP]", "w100" },
            windows[0].Ids.Take(11).Select(Tokenizer.IdToToken));
        Assert.Equal(16, windows[0].Length);
        Assert.Equal((11, 11), (windows[0].StartPosition, windows[0].EndPosition)); // W101 is context piece 1
        Assert.Equal("max_query_length", Assert.Throws<global::Electra.FineTuning.OptionException>(() => (Small with { MaxSeqLength = 11 }).Validate()).Option); // 8 + [CLS] + 2 [SEP] leaves nothing
    }
}
