using System.CommandLine;
using Electra.FineTuning.QuestionAnswering;

namespace Electra.Cli;

/// <summary>
/// The options only question answering reads when `finetune` meets a SQuAD-format folder, and the truncation warning
/// of `finetune` and `predict` (which answers a SQuAD file through <see cref="Electra.Tasks.Predictor"/> like any other).
/// </summary>
static class QuestionAnsweringCommand
{
    static readonly QuestionAnsweringOptions Defaults = new();
    static readonly Option<int> DocStride = CliOption.Int("--doc-stride", Defaults.DocStride, "SQuAD: pieces between the starts of a long context's windows", min: 1);
    static readonly Option<int> MaxQueryLength = CliOption.Int("--max-query-length", Defaults.MaxQueryLength, "SQuAD: most word pieces of a question; longer ones keep their first pieces (google's rule) and are counted in a warning", min: 1);
    static readonly Option<int> MaxAnswerLength = CliOption.Int("--max-answer-length", Defaults.MaxAnswerLength, "SQuAD: longest answer span in word pieces", min: 1);

    /// <summary>Adds the windowing and decoding options to `finetune`.</summary>
    public static void AddFinetuneOptions(Command finetune)
    {
        finetune.Add(DocStride);
        finetune.Add(MaxQueryLength);
        finetune.Add(MaxAnswerLength);
    }

    /// <summary>The windowing and decoding options of `finetune` (the window length is --max-length).</summary>
    public static QuestionAnsweringOptions FinetuneOptions(ParseResult r) => new()
    {
        DocStride = r.GetValue(DocStride),
        MaxQueryLength = r.GetValue(MaxQueryLength),
        MaxAnswerLength = r.GetValue(MaxAnswerLength),
    };

    /// <summary>The one warning about questions cut to the max query length (nothing when none was), for `finetune` and `predict`.</summary>
    public static void WarnTruncated(int truncated, int maxQueryLength)
    {
        if (truncated > 0)
            Console.Error.WriteLine($"warning: {truncated} questions have more than {maxQueryLength} word pieces (--max-query-length) and were truncated to their first {maxQueryLength}, as google-research/electra does");
    }
}
