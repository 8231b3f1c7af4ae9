using Electra.Tokenization;

namespace Electra.FineTuning.QuestionAnswering;

/// <summary>
/// One model input of a question: <c>[CLS] question [SEP] context-span [SEP]</c>. A context longer than a window is
/// covered by several, <see cref="QuestionAnsweringOptions.DocStride"/> pieces apart (google-research/electra's and
/// BERT's <c>doc_stride</c> scheme).
/// </summary>
/// <param name="Example">Index of the question in its dataset.</param>
/// <param name="Ids">Token ids.</param>
/// <param name="TypeIds">0 for <c>[CLS] question [SEP]</c>, 1 for <c>context [SEP]</c>.</param>
/// <param name="Offsets">Character range [Start, End) in the context of each context piece; (−1, −1) elsewhere.</param>
/// <param name="IsMaxContext">Whether this window gives the piece its most central position among the windows that hold it (only such pieces may start an answer).</param>
/// <param name="StartPosition">Training label: index of the answer's first piece, or 0 ([CLS]) when the question is unanswerable or the answer is not wholly inside this window.</param>
/// <param name="EndPosition">Training label: index of the answer's last piece, or 0.</param>
public sealed record QuestionAnsweringWindow(int Example, int[] Ids, int[] TypeIds, (int Start, int End)[] Offsets, bool[] IsMaxContext, int StartPosition, int EndPosition)
{
    /// <summary>Number of tokens.</summary>
    public int Length => Ids.Length;

    /// <summary>Whether position <paramref name="i"/> is a piece of the context.</summary>
    public bool IsContext(int i) => i >= 0 && i < Offsets.Length && Offsets[i].Start >= 0;

    static readonly EncodeOptions Pieces = new() { AddSpecialTokens = false };

    /// <summary>
    /// The windows of every example, in example order. Character offsets come from the tokenizer, so answers are cut
    /// from the original context whatever the normalisation (lower-casing, accents). A question of more than
    /// <see cref="QuestionAnsweringOptions.MaxQueryLength"/> pieces keeps its first ones (google-research/electra's
    /// <c>qa_tasks.py</c> and HF's SQuAD features do the same) and is passed to <paramref name="truncated"/>, so the
    /// caller can count and report them. Errors name <paramref name="source"/> and the question id: a question or
    /// context with no piece, an answer with no piece.
    /// </summary>
    public static List<QuestionAnsweringWindow> Build(IReadOnlyList<SquadExample> examples, WordPieceTokenizer tokenizer, QuestionAnsweringOptions options, string source,
        Action<SquadExample>? truncated = null)
    {
        options.Validate();
        var contexts = new Dictionary<string, Encoding>(StringComparer.Ordinal);
        var windows = new List<QuestionAnsweringWindow>();
        for (int e = 0; e < examples.Count; e++)
        {
            var example = examples[e];
            string where = $"{source}: question {example.Id}";
            var question = tokenizer.Encode(example.Question, options: Pieces).Ids;
            if (question.Length == 0) throw new InvalidDataException($"{where}: the question has no word pieces");
            if (question.Length > options.MaxQueryLength)
            {
                question = question[..options.MaxQueryLength];
                truncated?.Invoke(example);
            }
            if (!contexts.TryGetValue(example.Context, out var context))
                contexts[example.Context] = context = tokenizer.Encode(example.Context, options: Pieces);
            if (context.Length == 0) throw new InvalidDataException($"{where}: the context has no word pieces");

            int answerFirst = -1, answerLast = -1;
            if (!example.IsImpossible && example.Answers.Count > 0)
            {
                var answer = example.Answers[0];
                answerFirst = Array.FindIndex(context.Offsets, o => o.End > answer.Start);
                answerLast = Array.FindLastIndex(context.Offsets, o => o.Start < answer.End);
                if (answerFirst < 0 || answerLast < answerFirst)
                    throw new InvalidDataException($"{where}: the answer '{answer.Text}' covers no word piece of the context");
            }

            var spans = Spans(context.Length, options.MaxSeqLength - question.Length - 3, options.DocStride);
            foreach (var (start, length) in spans)
            {
                int n = question.Length + length + 3, offset = question.Length + 2;
                var ids = new int[n];
                var types = new int[n];
                var offsets = new (int, int)[n];
                var maxContext = new bool[n];
                Array.Fill(offsets, (-1, -1));
                ids[0] = tokenizer.ClsId;
                question.CopyTo(ids, 1);
                ids[offset - 1] = tokenizer.SepId;
                for (int i = 0; i < length; i++)
                {
                    ids[offset + i] = context.Ids[start + i];
                    types[offset + i] = 1;
                    offsets[offset + i] = context.Offsets[start + i];
                    maxContext[offset + i] = HasMaxContext(spans, (start, length), start + i);
                }
                ids[n - 1] = tokenizer.SepId;
                types[n - 1] = 1;
                bool inside = answerFirst >= start && answerLast < start + length;
                windows.Add(new QuestionAnsweringWindow(e, ids, types, offsets, maxContext,
                    inside ? offset + answerFirst - start : 0, inside ? offset + answerLast - start : 0));
            }
        }
        return windows;
    }

    /// <summary>(start, length) of each window over <paramref name="count"/> context pieces: each as long as fits, the next one <paramref name="stride"/> further, until the end is covered.</summary>
    static List<(int Start, int Length)> Spans(int count, int maxLength, int stride)
    {
        var spans = new List<(int, int)>();
        for (int start = 0; ; start += Math.Min(maxLength, stride))
        {
            int length = Math.Min(maxLength, count - start);
            spans.Add((start, length));
            if (start + length >= count) return spans;
        }
    }

    /// <summary>BERT's <c>_check_is_max_context</c>: the window where min(left, right) context + 0.01·length is highest (the first on a tie).</summary>
    static bool HasMaxContext(List<(int Start, int Length)> spans, (int Start, int Length) current, int position)
    {
        double Score((int Start, int Length) s) => Math.Min(position - s.Start, s.Start + s.Length - 1 - position) + 0.01 * s.Length;
        var best = spans.Where(s => position >= s.Start && position < s.Start + s.Length).MaxBy(Score);
        return best == current;
    }
}
