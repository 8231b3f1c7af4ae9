using Electra.FineTuning.QuestionAnswering;

namespace Electra.FineTuning.Prediction;

/// <summary>What <c>Tasks.Predictor.Run</c> (<c>electra predict</c>) wrote and measured.</summary>
/// <param name="Output">The file written.</param>
/// <param name="Count">Examples predicted: texts, sentences or questions.</param>
/// <param name="Unit">What they are: <c>texts</c>, <c>sentences</c> or <c>answers</c>.</param>
/// <param name="Metrics">Classification or regression metrics when the task file has gold labels, else null.</param>
/// <param name="Squad">SQuAD's exact match and F1 when the SQuAD file has answers, else null.</param>
/// <param name="NoAnswers">Questions answered "" (no answer).</param>
/// <param name="TruncatedQuestions">Questions longer than the max query length, cut to their first pieces (google's rule).</param>
/// <param name="QuestionAnswering">The windowing and decoding settings used, for question answering; else null.</param>
public sealed record PredictionReport(string Output, int Count, string Unit, TaskMetrics? Metrics = null, SquadScores? Squad = null,
    int NoAnswers = 0, int TruncatedQuestions = 0, QuestionAnsweringOptions? QuestionAnswering = null)
{
    /// <summary>One line for logs: <c>12 texts</c>, or <c>7 answers (2 "no answer")</c>.</summary>
    public override string ToString() => QuestionAnswering is null ? $"{Count} {Unit}" : $"{Count} {Unit} ({NoAnswers} \"no answer\")";
}
