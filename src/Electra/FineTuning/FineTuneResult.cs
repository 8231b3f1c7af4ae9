using System.Text.Json;
using System.Text.Json.Serialization;
using Electra.FineTuning.QuestionAnswering;

namespace Electra.FineTuning;

/// <summary>One epoch of a fine-tuning run.</summary>
/// <param name="Epoch">1-based.</param>
/// <param name="TrainLoss">Mean training loss over the epoch.</param>
/// <param name="Dev">Dev metrics after the epoch.</param>
/// <param name="Seconds">Wall time of training and evaluation.</param>
public sealed record EpochResult(int Epoch, double TrainLoss, TaskMetrics Dev, double Seconds);

/// <summary>What a fine-tuning run of any task kind measured; <see cref="ToJson"/> is <c>results.json</c>.</summary>
/// <param name="Task">The task's name (its folder's).</param>
/// <param name="Kind">The kind (<see cref="FineTuningTask.Kind"/>): <c>sequence</c>, <c>token</c>, <c>regression</c>, <c>retrieval</c>, <c>question_answering</c>, or a registered kind's.</param>
/// <param name="Labels">The classes by id (<c>LABEL_0</c> for regression, none for retrieval; null for question answering).</param>
/// <param name="TrainExamples">Training examples (questions, pairs) used, after <see cref="FineTuneOptions.MaxTrainExamples"/>.</param>
/// <param name="TrainWindows">Question answering: the training windows the questions made; else null.</param>
/// <param name="Dev">Dev metrics of the best epoch (SQuAD 2.0: at the no-answer threshold best on dev).</param>
/// <param name="Test">Test metrics of the best epoch's weights, or null without a (labelled) test file.</param>
/// <param name="BestEpoch">The epoch with the highest dev score (the first on a tie); the model holds its weights.</param>
/// <param name="Epochs">Every epoch in order.</param>
/// <param name="Options">The recipe.</param>
/// <param name="QuestionAnswering">Question answering: windowing and decoding, with SQuAD 2.0's chosen threshold; else null.</param>
/// <param name="Transfer">Which tensors came from the pre-trained folder; null for random initialisation.</param>
/// <param name="Seconds">Wall time of training and evaluation.</param>
/// <param name="TruncatedQuestions">Question answering: questions (all splits) longer than the max query length, cut to it as google-research/electra does; else null.</param>
public sealed record FineTuneResult(string Task, string Kind, IReadOnlyList<string>? Labels, int TrainExamples,
    [property: JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] int? TrainWindows,
    TaskMetrics Dev, TaskMetrics? Test, int BestEpoch, IReadOnlyList<EpochResult> Epochs, FineTuneOptions Options,
    [property: JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] QuestionAnsweringOptions? QuestionAnswering,
    TransferReport? Transfer, double Seconds,
    [property: JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] int? TruncatedQuestions)
{
    /// <summary>The run record's file name in the output folder.</summary>
    public const string FileName = "results.json";

    /// <summary>The command a fine-tuned folder's marker names (every task kind: one output-folder owner).</summary>
    internal const string Owner = "finetune";

    static readonly JsonSerializerOptions Json = SerializerOptions(JsonIgnoreCondition.Never);

    // Question answering's results.json has always left out what it lacks (test, transfer, SQuAD 1.1's subsets).
    static readonly JsonSerializerOptions Compact = SerializerOptions(JsonIgnoreCondition.WhenWritingNull);

    static JsonSerializerOptions SerializerOptions(JsonIgnoreCondition ignore) => new()
    {
        WriteIndented = true,
        PropertyNamingPolicy = JsonNamingPolicy.SnakeCaseLower,
        DefaultIgnoreCondition = ignore,
        Converters = { new JsonStringEnumConverter(JsonNamingPolicy.SnakeCaseLower), new MetricsOfTheirType() },
    };

    /// <summary>
    /// snake_case JSON: <c>{"task", "kind", "labels", "train_examples", "dev": {"metric", "score", …every value of the
    /// task's <see cref="TaskMetrics"/>, "count"}, "test", "best_epoch", "epochs": [...], "options": {...}, "transfer",
    /// "seconds"}</c>; question answering has no <c>labels</c> and adds <c>train_windows</c>,
    /// <c>question_answering</c> and <c>truncated_questions</c>, its scores being SQuAD's
    /// (<c>{"exact_match", "f1", "total", "has_ans", "no_ans", "null_score_diff_threshold"}</c>, 0–100).
    /// </summary>
    public string ToJson() => JsonSerializer.Serialize(this, QuestionAnswering is null ? Json : Compact);

    /// <summary>Writes metrics with every value of their own type (a registered kind's too).</summary>
    sealed class MetricsOfTheirType : JsonConverter<TaskMetrics>
    {
        public override TaskMetrics Read(ref Utf8JsonReader reader, Type typeToConvert, JsonSerializerOptions options) =>
            throw new NotSupportedException("results.json is written, not read");

        public override void Write(Utf8JsonWriter writer, TaskMetrics value, JsonSerializerOptions options) =>
            JsonSerializer.Serialize(writer, value, value.GetType(), options);
    }
}
