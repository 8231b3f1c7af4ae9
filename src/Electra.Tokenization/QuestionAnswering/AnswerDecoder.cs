using Electra.FineTuning.Prediction;
using Electra.Tokenization;

namespace Electra.FineTuning.QuestionAnswering;

/// <summary>The decoded answer of one question.</summary>
/// <param name="Text">The best non-empty span, cut from the original context ("" when no window offered a valid span).</param>
/// <param name="Score">Its start logit + end logit.</param>
/// <param name="NullScoreDiff">The lowest [CLS] start + end logit over the question's windows minus <see cref="Score"/>: the higher, the more likely unanswerable (+∞ without a span).</param>
/// <param name="Start">Where the span starts in the context (characters; 0 without a span).</param>
/// <param name="End">Where it ends, exclusive.</param>
public sealed record AnswerPrediction(string Text, double Score, double NullScoreDiff, int Start = 0, int End = 0);

/// <summary>
/// google-research/electra's (and BERT's) span decoding: in every window of a question, the
/// <see cref="QuestionAnsweringOptions.NBestSize"/> best start and end logits are paired; a pair counts if both are
/// context pieces, the start is in its best-centred window, the end is not before the start and the span is at most
/// <see cref="QuestionAnsweringOptions.MaxAnswerLength"/> pieces. The highest start + end logit wins, its text cut
/// from the context by the pieces' character offsets. SQuAD 2.0 answers "" when the null score (the [CLS] start + end
/// logits, lowest over windows) exceeds the best span's by more than the threshold. Every runtime decodes here, from
/// float logits, so TorchSharp and ONNX Runtime answer alike (up to their float differences on near-tied spans).
/// </summary>
public static class AnswerDecoder
{
    /// <summary>
    /// Runs <paramref name="windows"/> through a model <paramref name="batchSize"/> at a time, shortest first (<see cref="LengthBatching"/>), each batch padded to its longest (<see cref="BatchEncoding.Pad"/>), and decodes every example.
    /// <paramref name="run"/> is the runtime: a padded batch in, its start and end logits out, row-major [B, T] each.
    /// </summary>
    public static AnswerPrediction[] Predict(IReadOnlyList<SquadExample> examples, IReadOnlyList<QuestionAnsweringWindow> windows, QuestionAnsweringOptions options,
        int padId, int batchSize, Func<BatchEncoding, (float[] Start, float[] End)> run) =>
        Decode(examples, windows, Logits(windows, padId, batchSize, run), options);

    /// <summary>
    /// Answers <paramref name="examples"/> with a fine-tuned question-answering <paramref name="model"/> on any runtime:
    /// its tokenizer cuts the windows (<see cref="QuestionAnsweringWindow.Build"/>; a question cut to the max query
    /// length is passed to <paramref name="truncated"/>, errors name <paramref name="source"/>) and its start and end
    /// logits are decoded as above, with <paramref name="options"/>.
    /// </summary>
    public static AnswerPrediction[] Predict(IFineTunedEncoder model, IReadOnlyList<SquadExample> examples, QuestionAnsweringOptions options, int batchSize,
        string source, Action<SquadExample>? truncated = null)
    {
        ArgumentNullException.ThrowIfNull(model);
        var windows = QuestionAnsweringWindow.Build(examples, model.Tokenizer, options, source, truncated);
        return Predict(examples, windows, options, model.Tokenizer.PadId, batchSize, batch =>
        {
            var logits = model.Logits(batch); // start, end [B, T]
            return (logits[0], logits[1]);
        });
    }

    /// <summary>
    /// As <see cref="Predict(IReadOnlyList{SquadExample}, IReadOnlyList{QuestionAnsweringWindow}, QuestionAnsweringOptions, int, int, Func{BatchEncoding, ValueTuple{float[], float[]}})"/>, but each example's <paramref name="topK"/> best distinct spans, best first (fewer when
    /// its windows offer fewer valid spans); each prediction's <see cref="AnswerPrediction.NullScoreDiff"/> is against its own score.
    /// </summary>
    public static AnswerPrediction[][] PredictTopK(IReadOnlyList<SquadExample> examples, IReadOnlyList<QuestionAnsweringWindow> windows, QuestionAnsweringOptions options,
        int padId, int batchSize, int topK, Func<BatchEncoding, (float[] Start, float[] End)> run) =>
        DecodeTopK(examples, windows, Logits(windows, padId, batchSize, run), options, topK);

    /// <summary>Every window's start and end logits, cut to its length: the windows run <paramref name="batchSize"/> at a time through <paramref name="run"/>.</summary>
    static (float[] Start, float[] End)[] Logits(IReadOnlyList<QuestionAnsweringWindow> windows, int padId, int batchSize, Func<BatchEncoding, (float[] Start, float[] End)> run)
    {
        var logits = new (float[] Start, float[] End)[windows.Count];
        foreach (var batch in LengthBatching.Batches(windows.Select(w => w.Length).ToArray(), batchSize))
        {
            var input = BatchEncoding.Pad(batch.Select(i => windows[i].Ids).ToList(), batch.Select(i => windows[i].TypeIds).ToList(), padId);
            var (start, end) = run(input); // [B, T] each
            int T = input.SequenceLength;
            for (int r = 0; r < batch.Length; r++)
            {
                int n = windows[batch[r]].Length;
                logits[batch[r]] = (start.AsSpan(r * T, n).ToArray(), end.AsSpan(r * T, n).ToArray());
            }
        }
        return logits;
    }

    /// <summary>Decodes every example from its windows' start and end logits (one pair of arrays per window).</summary>
    public static AnswerPrediction[] Decode(IReadOnlyList<SquadExample> examples, IReadOnlyList<QuestionAnsweringWindow> windows,
        IReadOnlyList<(float[] Start, float[] End)> logits, QuestionAnsweringOptions options) =>
        DecodeTopK(examples, windows, logits, options, 1).Select((top, i) => top.Length > 0 ? top[0]
            : new AnswerPrediction("", double.NegativeInfinity, double.PositiveInfinity)).ToArray();

    /// <summary>
    /// Each example's <paramref name="topK"/> best spans with distinct character ranges, best first (the first is
    /// <see cref="Decode"/>'s; on equal scores the span met first wins, window by window).
    /// </summary>
    public static AnswerPrediction[][] DecodeTopK(IReadOnlyList<SquadExample> examples, IReadOnlyList<QuestionAnsweringWindow> windows,
        IReadOnlyList<(float[] Start, float[] End)> logits, QuestionAnsweringOptions options, int topK)
    {
        if (logits.Count != windows.Count) throw new ArgumentException($"{logits.Count} logit rows for {windows.Count} windows");
        if (topK < 1) throw new ArgumentOutOfRangeException(nameof(topK), topK, "must be ≥ 1");
        var nullScore = new double[examples.Count];
        Array.Fill(nullScore, double.PositiveInfinity);
        var spans = examples.Select(_ => new List<(double Score, int Start, int End)>()).ToArray();
        for (int w = 0; w < windows.Count; w++)
        {
            var window = windows[w];
            var (start, end) = logits[w];
            nullScore[window.Example] = Math.Min(nullScore[window.Example], (double)start[0] + end[0]);
            foreach (int s in Top(start, window.Length, options.NBestSize))
            {
                if (!window.IsContext(s) || !window.IsMaxContext[s]) continue;
                foreach (int e in Top(end, window.Length, options.NBestSize))
                {
                    if (!window.IsContext(e) || e < s || e - s + 1 > options.MaxAnswerLength) continue;
                    spans[window.Example].Add(((double)start[s] + end[e], window.Offsets[s].Start, window.Offsets[e].End));
                }
            }
        }
        return spans.Select((candidates, i) => candidates
            .OrderByDescending(c => c.Score) // stable: on equal scores the span met first stays first
            .DistinctBy(c => (c.Start, c.End))
            .Take(topK)
            .Select(c => new AnswerPrediction(examples[i].Context[c.Start..c.End], c.Score, nullScore[i] - c.Score, c.Start, c.End))
            .ToArray()).ToArray();
    }

    /// <summary>Indices of the <paramref name="n"/> highest of the first <paramref name="length"/> logits, best first.</summary>
    static IEnumerable<int> Top(float[] logits, int length, int n) =>
        Enumerable.Range(0, Math.Min(length, logits.Length)).OrderByDescending(i => logits[i]).Take(n);

    /// <summary>
    /// The answers to write and score (question id → text): the best span, or for SQuAD 2.0 "" where its null-score
    /// difference exceeds <paramref name="nullScoreDiffThreshold"/>.
    /// </summary>
    public static Dictionary<string, string> Answers(IReadOnlyList<SquadExample> examples, IReadOnlyList<AnswerPrediction> predictions, bool version2, double nullScoreDiffThreshold)
    {
        var answers = new Dictionary<string, string>(StringComparer.Ordinal);
        for (int i = 0; i < examples.Count; i++)
            answers[examples[i].Id] = version2 && predictions[i].NullScoreDiff > nullScoreDiffThreshold ? "" : predictions[i].Text;
        return answers;
    }
}
