using System.Text.Json;
using System.Text.Json.Serialization;

namespace Electra.FineTuning.QuestionAnswering;

/// <summary>
/// How questions and contexts become windows and how spans are decoded; defaults are google-research/electra's for
/// SQuAD (<c>configure_finetuning.py</c>). Saved next to a fine-tuned model as <c>question_answering.json</c> so
/// prediction windows and decodes as training did.
/// </summary>
public sealed record QuestionAnsweringOptions
{
    /// <summary>The settings file written next to a fine-tuned model and copied into its ONNX export.</summary>
    public const string FileName = "question_answering.json";

    /// <summary>Word pieces per window, <c>[CLS] question [SEP] context [SEP]</c> (google: 512 for SQuAD); at most <c>max_position_embeddings</c>.</summary>
    [JsonPropertyName("max_seq_length")] public int MaxSeqLength { get; init; } = 512;

    /// <summary>Word pieces the window start moves by when a context does not fit one window (google: 128).</summary>
    [JsonPropertyName("doc_stride")] public int DocStride { get; init; } = 128;

    /// <summary>
    /// Most word pieces of a question (google: 64); a longer question keeps its first pieces, as google-research/electra
    /// and HF truncate it (<see cref="QuestionAnsweringWindow.Build"/> reports how many were).
    /// </summary>
    [JsonPropertyName("max_query_length")] public int MaxQueryLength { get; init; } = 64;

    /// <summary>Longest answer span in word pieces considered when decoding (google: 30).</summary>
    [JsonPropertyName("max_answer_length")] public int MaxAnswerLength { get; init; } = 30;

    /// <summary>Start and end candidates taken per window, best logits first (google: 20).</summary>
    [JsonPropertyName("n_best_size")] public int NBestSize { get; init; } = 20;

    /// <summary>SQuAD 2.0: questions may have no answer, predicted when null score − best span score exceeds <see cref="NullScoreDiffThreshold"/>.</summary>
    [JsonPropertyName("version_2_with_negative")] public bool Version2WithNegative { get; init; }

    /// <summary>SQuAD 2.0's no-answer threshold, chosen on dev by fine-tuning (google's <c>best_f1_thresh</c>); 0 until then.</summary>
    [JsonPropertyName("null_score_diff_threshold")] public double NullScoreDiffThreshold { get; init; }

    /// <summary>Throws <see cref="OptionException"/> naming the first value no run could want (by its key, e.g. <c>doc_stride</c>).</summary>
    public QuestionAnsweringOptions Validate()
    {
        if (MaxQueryLength < 1) throw new OptionException("max_query_length", $"max query length must be ≥ 1 (got {MaxQueryLength})");
        if (MaxSeqLength < MaxQueryLength + 4)
            throw new OptionException("max_query_length", $"max query length {MaxQueryLength} leaves no room for context in windows of {MaxSeqLength} pieces " +
                                                          $"(the max length; [CLS], the question, [SEP], context and [SEP] must fit: at most {Math.Max(MaxSeqLength - 4, 0)})");
        if (DocStride < 1) throw new OptionException("doc_stride", $"doc stride must be ≥ 1 (got {DocStride})");
        if (MaxAnswerLength < 1) throw new OptionException("max_answer_length", $"max answer length must be ≥ 1 (got {MaxAnswerLength})");
        if (NBestSize < 1) throw new OptionException("n_best_size", $"n-best size must be ≥ 1 (got {NBestSize})");
        if (!double.IsFinite(NullScoreDiffThreshold)) throw new OptionException("null_score_diff_threshold", $"null score threshold must be finite (got {NullScoreDiffThreshold})");
        return this;
    }

    /// <summary>The settings of <paramref name="dir"/>'s <see cref="FileName"/>, or the defaults without one (e.g. a folder from HF).</summary>
    /// <exception cref="InvalidDataException">The file is not valid JSON or holds a value no run could want; the message names it.</exception>
    public static QuestionAnsweringOptions Read(string dir)
    {
        string path = Path.Combine(dir, FileName);
        if (!File.Exists(path)) return new QuestionAnsweringOptions();
        try
        {
            return (JsonSerializer.Deserialize<QuestionAnsweringOptions>(File.ReadAllText(path)) ?? throw new InvalidDataException($"{path}: empty")).Validate();
        }
        catch (Exception e) when (e is JsonException or ArgumentException)
        {
            throw new InvalidDataException($"{path}: {e.Message}", e);
        }
    }
}
