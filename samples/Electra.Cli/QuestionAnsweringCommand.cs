using System.CommandLine;
using System.Text.Json;
using Electra.FineTuning;
using Electra.FineTuning.QuestionAnswering;
using Electra.Interop;
using Electra.Native;

namespace Electra.Cli;

/// <summary>
/// `electra finetune` on a SQuAD-format folder and `electra predict` on a SQuAD JSON file: reached from
/// <see cref="FinetuneCommand"/> and <see cref="PredictCommand"/> when the task folder has a <c>train.json</c> or the
/// input ends in <c>.json</c>. The options only question answering reads are declared here.
/// </summary>
static class QuestionAnsweringCommand
{
    static readonly QuestionAnsweringOptions Defaults = new();
    static readonly Option<int> DocStride = CliOption.Int("--doc-stride", Defaults.DocStride, "SQuAD: pieces between the starts of a long context's windows", min: 1);
    static readonly Option<int> MaxQueryLength = CliOption.Int("--max-query-length", Defaults.MaxQueryLength, "SQuAD: most word pieces a question may have (longer ones are an error)", min: 1);
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
        var result = QuestionAnsweringFineTuner.Run(model, task, recipe, options, output, new ConsoleProgress());
        if (result.Transfer is not null) Console.WriteLine($"weights {result.Transfer}");
        Console.WriteLine($"best epoch {result.BestEpoch} of {result.Epochs.Count} ({result.TrainExamples} training questions in {result.TrainWindows} windows, {result.Seconds:F1} s)");
        Console.WriteLine($"dev  {result.Dev}");
        if (result.Test is not null) Console.WriteLine($"test {result.Test}");
        Console.WriteLine($"wrote {output} (ElectraForQuestionAnswering, tokenizer, {QuestionAnsweringPredictor.SettingsFile}, results.json)");
        return 0;
    }

    /// <summary>Writes SQuAD's <c>{question id: answer}</c> for <paramref name="input"/>, and prints EM/F1 when it has answers.</summary>
    public static int Predict(ParseResult r, string modelDir, string input, string output, int batch, int? maxLength)
    {
        double? threshold = r.GetValue(NullThreshold);
        TorchRuntime.EnsureLoaded();
        var data = SquadDataset.Read(input, requireGold: false);
        using var predictor = QuestionAnsweringPredictor.Load(modelDir, o => o with
        {
            MaxSeqLength = maxLength ?? o.MaxSeqLength,
            NullScoreDiffThreshold = threshold ?? o.NullScoreDiffThreshold,
        });
        var answers = predictor.Predict(data.Examples, input, batch);
        AtomicFile.WriteAllText(output, JsonSerializer.Serialize(answers, new JsonSerializerOptions { WriteIndented = true }));
        Console.WriteLine($"wrote {output}: {answers.Count} answers ({answers.Values.Count(v => v.Length == 0)} \"no answer\")");
        if (data.HasGold)
        {
            bool v2 = predictor.Options.Version2WithNegative;
            Console.WriteLine($"metrics {SquadMetrics.Evaluate(data.Examples, answers, v2, v2 ? predictor.Options.NullScoreDiffThreshold : null)}");
        }
        return 0;
    }

    /// <summary>Prints reports as they come, on the training thread.</summary>
    sealed class ConsoleProgress : IProgress<QuestionAnsweringProgress>
    {
        public void Report(QuestionAnsweringProgress p) => FinetuneCommand.Print(p.Epoch, p.Step, p.TotalSteps, p.TrainLoss, p.Dev, p.Elapsed);
    }
}
