using System.Text.Json;
using System.Text.Json.Serialization;

namespace Electra.FineTuning.QuestionAnswering;

/// <summary>One epoch of question-answering fine-tuning.</summary>
/// <param name="Epoch">1-based.</param>
/// <param name="TrainLoss">Mean training loss over the epoch.</param>
/// <param name="Dev">Dev scores after the epoch (SQuAD 2.0: at the threshold best on dev).</param>
/// <param name="Seconds">Wall time of training and evaluation.</param>
public sealed record QuestionAnsweringEpoch(int Epoch, double TrainLoss, SquadScores Dev, double Seconds);

/// <summary>A progress report: every <see cref="FineTuneOptions.LogEvery"/> steps, and at each epoch's end with dev scores.</summary>
/// <param name="Epoch">1-based epoch.</param>
/// <param name="Step">Optimizer steps taken so far.</param>
/// <param name="TotalSteps">Steps of the whole run.</param>
/// <param name="TrainLoss">Mean training loss of this epoch so far.</param>
/// <param name="Dev">Dev scores at the end of an epoch, else null.</param>
/// <param name="Elapsed">Time since training started.</param>
/// <param name="TruncatedQuestions">Questions (all splits) longer than the max query length, cut to it as google-research/electra does: worth a warning when not 0.</param>
public sealed record QuestionAnsweringProgress(int Epoch, long Step, long TotalSteps, double TrainLoss, SquadScores? Dev, TimeSpan Elapsed, int TruncatedQuestions = 0);

/// <summary>What a question-answering fine-tuning run measured; <see cref="ToJson"/> is <c>results.json</c>.</summary>
/// <param name="Task">The task folder's name.</param>
/// <param name="TrainExamples">Training questions used.</param>
/// <param name="TrainWindows">Training windows they made.</param>
/// <param name="Dev">Dev scores of the best epoch.</param>
/// <param name="Test">Test scores with the best epoch's weights (and dev's threshold), or null without a labelled test file.</param>
/// <param name="BestEpoch">The epoch with the highest dev F1 (the first on a tie); the model holds its weights.</param>
/// <param name="Epochs">Every epoch in order.</param>
/// <param name="Options">The recipe.</param>
/// <param name="QuestionAnswering">Windowing and decoding, with SQuAD 2.0's chosen threshold.</param>
/// <param name="Transfer">Which tensors came from the pre-trained folder; null for random initialisation.</param>
/// <param name="Seconds">Wall time of training and evaluation.</param>
/// <param name="TruncatedQuestions">Questions (all splits) longer than the max query length, cut to it as google-research/electra does.</param>
public sealed record QuestionAnsweringResult(string Task, int TrainExamples, int TrainWindows, SquadScores Dev, SquadScores? Test,
    int BestEpoch, IReadOnlyList<QuestionAnsweringEpoch> Epochs, FineTuneOptions Options, QuestionAnsweringOptions QuestionAnswering,
    TransferReport? Transfer, double Seconds, int TruncatedQuestions = 0)
{
    /// <summary>Always <c>question_answering</c> (the <c>kind</c> of <c>results.json</c>).</summary>
    public string Kind => "question_answering";

    static readonly JsonSerializerOptions Json = new()
    {
        WriteIndented = true,
        PropertyNamingPolicy = JsonNamingPolicy.SnakeCaseLower,
        DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull,
    };

    /// <summary>
    /// snake_case JSON: <c>{"task", "kind": "question_answering", "dev": {"exact_match", "f1", "total", "has_ans",
    /// "no_ans", "null_score_diff_threshold"}, "test", "best_epoch", "epochs", "options", "question_answering", ...}</c>
    /// (scores on SQuAD's 0–100 scale; <c>test</c> absent without a labelled test file).
    /// </summary>
    public string ToJson() => JsonSerializer.Serialize(this, Json);
}
