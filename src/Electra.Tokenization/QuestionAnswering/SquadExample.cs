namespace Electra.FineTuning.QuestionAnswering;

// The question-answering types every runtime shares live here, TorchSharp-free, under the namespace they had in the
// core package (so code written against it keeps compiling): TorchSharp and ONNX Runtime window, decode and score alike.

/// <summary>A gold answer: its text and the character where it starts in the context.</summary>
/// <param name="Text">The answer as written in the context.</param>
/// <param name="Start">SQuAD's <c>answer_start</c>: index of the answer's first character in the context.</param>
public sealed record SquadAnswer(string Text, int Start)
{
    /// <summary>One past the answer's last character.</summary>
    public int End => Start + Text.Length;
}

/// <summary>One SQuAD question over its paragraph.</summary>
/// <param name="Id">The question id (unique in its file); predictions are keyed by it.</param>
/// <param name="Question">The question text.</param>
/// <param name="Context">The paragraph the answer is cut from (shared by the paragraph's questions).</param>
/// <param name="Answers">Gold answers (SQuAD dev/test files list several; training uses the first); empty for an unanswerable or unlabelled question.</param>
/// <param name="IsImpossible">SQuAD 2.0's <c>is_impossible</c>: the paragraph holds no answer.</param>
public sealed record SquadExample(string Id, string Question, string Context, IReadOnlyList<SquadAnswer> Answers, bool IsImpossible)
{
    /// <summary>Whether the example has gold to score against (answers, or marked unanswerable).</summary>
    public bool HasGold => IsImpossible || Answers.Count > 0;
}
