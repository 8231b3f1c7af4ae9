using System.CommandLine;
using Electra.FineTuning;
using Electra.FineTuning.QuestionAnswering;
using Electra.Interop;
using Electra.Native;

namespace Electra.Cli;

/// <summary>
/// `electra finetune` on a SQuAD-format folder: reached from <see cref="FinetuneCommand"/> when the task folder has a
/// <c>train.json</c>. The options only question answering reads are declared here; `electra predict` answers a SQuAD
/// file through <see cref="Electra.FineTuning.Prediction.Predictor"/> like any other.
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

    /// <summary>
    /// Fine-tunes on the SQuAD folder <paramref name="task"/> with <paramref name="recipe"/>; without an explicit
    /// --epochs it trains 2 (google's SQuAD setting), without --max-length the window is 512 capped at the model's positions.
    /// </summary>
    public static int Finetune(ParseResult r, string model, string task, string output, string init, FineTuneOptions recipe, bool epochsGiven, bool lengthGiven)
    {
        if (!epochsGiven) recipe = recipe with { Epochs = 2 };
        var options = new QuestionAnsweringOptions
        {
            MaxSeqLength = lengthGiven ? recipe.MaxLength : Defaults.MaxSeqLength,
            DocStride = r.GetValue(DocStride),
            MaxQueryLength = r.GetValue(MaxQueryLength),
            MaxAnswerLength = r.GetValue(MaxAnswerLength),
        };
        TorchRuntime.EnsureLoaded();
        if (!lengthGiven) options = options with { MaxSeqLength = Math.Min(options.MaxSeqLength, Pretrained.ReadConfig(model).MaxPositionEmbeddings) };
        CliOption.Validate(() =>
        {
            recipe.Validate();
            options.Validate();
        });

        Console.WriteLine($"fine-tuning {model} ({init} init) for question answering on {task}");
        var result = StopSignal.FineTune(output, stop => QuestionAnsweringFineTuner.Run(model, task, recipe, options, output, new ConsoleProgress(options.MaxQueryLength), stop));
        if (result is null) return StopSignal.ExitCode;
        if (result.Transfer is not null) Console.WriteLine($"weights {result.Transfer}");
        Console.WriteLine($"best epoch {result.BestEpoch} of {result.Epochs.Count} ({result.TrainExamples} training questions in {result.TrainWindows} windows, {result.Seconds:F1} s)");
        Console.WriteLine($"dev  {result.Dev}");
        if (result.Test is not null) Console.WriteLine($"test {result.Test}");
        Console.WriteLine($"wrote {output} (ElectraForQuestionAnswering, tokenizer, {QuestionAnsweringOptions.FileName}, results.json)");
        return 0;
    }

    /// <summary>The one warning about questions cut to the max query length (nothing when none was), for `finetune` and `predict`.</summary>
    public static void WarnTruncated(int truncated, int maxQueryLength)
    {
        if (truncated > 0)
            Console.Error.WriteLine($"warning: {truncated} questions have more than {maxQueryLength} word pieces (--max-query-length) and were truncated to their first {maxQueryLength}, as google-research/electra does");
    }

    /// <summary>Prints reports as they come, on the training thread, and the truncation warning once, with the first.</summary>
    sealed class ConsoleProgress(int maxQueryLength) : IProgress<QuestionAnsweringProgress>
    {
        bool warned;

        public void Report(QuestionAnsweringProgress p)
        {
            if (!warned)
            {
                warned = true;
                WarnTruncated(p.TruncatedQuestions, maxQueryLength);
            }
            FinetuneCommand.Print(p.Epoch, p.Step, p.TotalSteps, p.TrainLoss, p.Dev, p.Elapsed);
        }
    }
}
