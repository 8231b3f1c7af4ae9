using System.CommandLine;
using System.Text.Json;
using Electra.FineTuning;
using Electra.FineTuning.QuestionAnswering;
using Electra.IO;
using Electra.Interop;
using Electra.Native;
using Electra.Onnx;

namespace Electra.Cli;

/// <summary>
/// The options only question answering reads (`finetune` on a SQuAD-format folder, `predict` on a SQuAD JSON file),
/// and `electra predict` on a SQuAD JSON file: reached from <see cref="PredictCommand"/> when the input ends in <c>.json</c>.
/// </summary>
static class QuestionAnsweringCommand
{
    static readonly QuestionAnsweringOptions Defaults = new();
    static readonly Option<int> DocStride = CliOption.Int("--doc-stride", Defaults.DocStride, "SQuAD: pieces between the starts of a long context's windows", min: 1);
    static readonly Option<int> MaxQueryLength = CliOption.Int("--max-query-length", Defaults.MaxQueryLength, "SQuAD: most word pieces of a question; longer ones keep their first pieces (google's rule) and are counted in a warning", min: 1);
    static readonly Option<int> MaxAnswerLength = CliOption.Int("--max-answer-length", Defaults.MaxAnswerLength, "SQuAD: longest answer span in word pieces", min: 1);

    /// <summary>`predict`'s SQuAD 2.0 no-answer threshold override.</summary>
    public static readonly Option<double?> NullThreshold = CliOption.OptionalNumber("--null-threshold",
        "SQuAD 2.0: answer \"\" when null score - best span score exceeds this (default: the threshold fine-tuning chose on dev)");

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

    /// <summary>
    /// Writes SQuAD's <c>{question id: answer}</c> for <paramref name="input"/> with the folder's settings (TorchSharp,
    /// or with <paramref name="onnx"/> its `electra export-onnx` export on ONNX Runtime: the same windows and decoding,
    /// so the same file), and prints EM/F1 when it has answers.
    /// </summary>
    public static int Predict(ParseResult r, string modelDir, string input, string output, int batch, int? maxLength, bool onnx)
    {
        double? threshold = r.GetValue(NullThreshold);
        QuestionAnsweringOptions Chosen(QuestionAnsweringOptions o) => o with
        {
            MaxSeqLength = maxLength ?? o.MaxSeqLength,
            NullScoreDiffThreshold = threshold ?? o.NullScoreDiffThreshold,
        };
        var data = SquadDataset.Read(input, requireGold: false);
        int truncated = 0;
        void Count(SquadExample _) => truncated++;
        Dictionary<string, string> answers;
        QuestionAnsweringOptions settings;
        if (onnx)
        {
            using var model = ElectraOnnxModel.Load(modelDir, new OnnxModelOptions
            {
                IntraOpThreads = r.GetValue(CommandLine.Threads),
                BatchSize = batch,
                QuestionAnswering = Chosen(QuestionAnsweringOptions.Read(modelDir)),
            });
            if (model.QuestionAnswering is null) throw new InvalidDataException($"{modelDir}: an export of {model.Architecture}, not ElectraForQuestionAnswering");
            settings = model.QuestionAnswering;
            answers = model.Answer(data.Examples, input, Count);
        }
        else
        {
            TorchRuntime.EnsureLoaded();
            using var predictor = QuestionAnsweringPredictor.Load(modelDir, Chosen);
            settings = predictor.Options;
            answers = predictor.Predict(data.Examples, input, batch, Count);
        }
        WarnTruncated(truncated, settings.MaxQueryLength);
        AtomicFile.WriteAllText(output, JsonSerializer.Serialize(answers, new JsonSerializerOptions { WriteIndented = true }));
        Console.WriteLine($"wrote {output}: {answers.Count} answers ({answers.Values.Count(v => v.Length == 0)} \"no answer\")");
        if (data.HasGold)
        {
            bool v2 = settings.Version2WithNegative;
            Console.WriteLine($"metrics {SquadMetrics.Evaluate(data.Examples, answers, v2, v2 ? settings.NullScoreDiffThreshold : null)}");
        }
        return 0;
    }

    /// <summary>The one warning about questions cut to the max query length (nothing when none was).</summary>
    public static void WarnTruncated(int truncated, int maxQueryLength)
    {
        if (truncated > 0)
            Console.Error.WriteLine($"warning: {truncated} questions have more than {maxQueryLength} word pieces (--max-query-length) and were truncated to their first {maxQueryLength}, as google-research/electra does");
    }
}
