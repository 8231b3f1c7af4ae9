using System.CommandLine;
using Electra.FineTuning;
using Electra.FineTuning.Prediction;
using Electra.IO;
using Electra.Onnx;
using Electra.Tasks;

namespace Electra.Cli;

/// <summary>
/// `electra predict`: <see cref="Predictor"/> on a fine-tuned folder (TorchSharp) or, with <c>--runtime onnx</c>, its
/// `electra export-onnx` export (ONNX Runtime): the folder's task kind reads the input (labels a TSV or CoNLL file,
/// answers a SQuAD .json file), writes the output file, and the metrics are printed when the file has gold labels.
/// Both runtimes write the same file.
/// </summary>
static class PredictCommand
{
    static readonly Option<string> Model = CliOption.Text("--model", "a folder written by `electra finetune` (with --runtime onnx: its `electra export-onnx` export)", required: true, valueName: "DIR");
    static readonly Option<string> Input = CliOption.Text("--input", "TSV (text[, text_b][, label]) or CoNLL (word[, tag]) file to label, or a SQuAD .json file to answer", required: true, valueName: "FILE");
    static readonly Option<string> Output = CliOption.OutputFile("--output", "file to write: TSV input columns + prediction, CoNLL word<TAB>tag, or SQuAD's {question id: answer}");
    static readonly Option<int> Batch = CliOption.Int("--batch", new PredictionOptions().BatchSize, "examples per forward pass", min: 1);
    static readonly Option<string> Runtime = CliOption.Runtime();
    static readonly Option<int?> MaxLength = CliOption.OptionalInt("--max-length", "tokens per example, longer ones truncated (default: the fine-tuning default, at most the model's positions)", min: 3);
    static readonly Option<double?> NullThreshold = CliOption.OptionalNumber("--null-threshold",
        "SQuAD 2.0: answer \"\" when null score - best span score exceeds this (default: the threshold fine-tuning chose on dev)");

    public static Command Create() => CliOption.Command("predict", "label a TSV or CoNLL file with a fine-tuned model, or answer a SQuAD file; prints metrics when the file has gold labels", Run,
        Model, Input, Output, Batch, MaxLength, Runtime, NullThreshold);

    static int Run(ParseResult r)
    {
        string modelDir = r.GetRequiredValue(Model);
        string input = r.GetRequiredValue(Input);
        string output = r.GetRequiredValue(Output);
        int? maxLength = r.GetValue(MaxLength);
        OutputFolder.CheckFile(output, "--output", (input, "--input"), (modelDir, "--model"));
        var report = Predictor.Run(modelDir, input, output, new PredictionOptions { BatchSize = r.GetValue(Batch), MaxLength = maxLength, NullScoreDiffThreshold = r.GetValue(NullThreshold) },
            dir => Load(dir, r.GetValue(Runtime) == "onnx", r.GetValue(CommandLine.Threads), maxLength));
        if (report.QuestionAnswering is { } settings) QuestionAnsweringCommand.WarnTruncated(report.TruncatedQuestions, settings.MaxQueryLength);
        Console.WriteLine($"wrote {output}: {report}");
        if (((object?)report.Metrics ?? report.Squad) is { } metrics) Console.WriteLine($"metrics {metrics}");
        return 0;
    }

    /// <summary>The model on the chosen runtime, after the input was read; an explicit --max-length beyond its positions is a usage error.</summary>
    static IFineTunedEncoder Load(string dir, bool onnx, int? threads, int? maxLength)
    {
        IFineTunedEncoder model = onnx ? ElectraOnnxModel.Load(dir, new OnnxModelOptions { IntraOpThreads = threads }) : TorchFineTunedEncoder.Load(dir);
        int positions = model.MaxPositions;
        if (!(maxLength > positions)) return model;
        model.Dispose();
        throw new UsageException($"--max-length {maxLength} exceeds the model's max_position_embeddings {positions} ({dir})");
    }
}
