using System.Text.Json;
using System.Text.Json.Serialization;

namespace Electra.FineTuning;

/// <summary>One epoch of a fine-tuning run.</summary>
/// <param name="Epoch">1-based.</param>
/// <param name="TrainLoss">Mean training loss over the epoch.</param>
/// <param name="Dev">Dev metrics after the epoch.</param>
/// <param name="Seconds">Wall time of training and evaluation.</param>
public sealed record EpochResult(int Epoch, double TrainLoss, TaskMetrics Dev, double Seconds);

/// <summary>What a fine-tuning run measured; <see cref="ToJson"/> is <c>results.json</c>.</summary>
/// <param name="Task">The task folder's name.</param>
/// <param name="Kind">Sequence or token classification, regression or retrieval.</param>
/// <param name="Labels">The classes by id (<c>LABEL_0</c> for regression, none for retrieval).</param>
/// <param name="TrainExamples">Training examples used (after <see cref="FineTuneOptions.MaxTrainExamples"/>).</param>
/// <param name="Dev">Dev metrics of the best epoch.</param>
/// <param name="Test">Test metrics of the best epoch's weights, or null without a test file.</param>
/// <param name="BestEpoch">The epoch with the highest dev score (the first on a tie); the model holds its weights.</param>
/// <param name="Epochs">Every epoch in order.</param>
/// <param name="Options">The recipe.</param>
/// <param name="Transfer">Which tensors came from the pre-trained folder; null for random initialisation.</param>
/// <param name="Seconds">Wall time of training and evaluation.</param>
public sealed record FineTuneResult(string Task, TaskKind Kind, IReadOnlyList<string> Labels, int TrainExamples,
    TaskMetrics Dev, TaskMetrics? Test, int BestEpoch, IReadOnlyList<EpochResult> Epochs,
    FineTuneOptions Options, TransferReport? Transfer, double Seconds)
{
    static readonly JsonSerializerOptions Json = new()
    {
        WriteIndented = true,
        PropertyNamingPolicy = JsonNamingPolicy.SnakeCaseLower,
        Converters = { new JsonStringEnumConverter(JsonNamingPolicy.SnakeCaseLower) },
    };

    /// <summary>
    /// snake_case JSON: <c>{"task", "kind": "sequence"|"token"|"regression"|"retrieval", "labels", "train_examples",
    /// "dev": {"metric", "score", …every value of the task's <see cref="TaskMetrics"/>, "count"}, "test", "best_epoch",
    /// "epochs": [...], "options": {...}, "transfer", "seconds"}</c>.
    /// </summary>
    public string ToJson() => JsonSerializer.Serialize(this, Json);
}
