using System.Text.Json;
using Electra.FineTuning;
using Electra.FineTuning.QuestionAnswering;
using Electra.Interop;
using Electra.Native;

namespace Electra.Cli;

/// <summary>
/// `electra finetune` on a SQuAD-format folder and `electra predict` on a SQuAD JSON file: reached from
/// <see cref="FinetuneCommand"/> and <see cref="PredictCommand"/> when the task folder has a <c>train.json</c> or the
/// input ends in <c>.json</c>.
/// </summary>
static class QuestionAnsweringCommand
{
    public const string FinetuneOptions = "[--doc-stride N] [--max-query-length N] [--max-answer-length N] (SQuAD folders; --max-length is the window, default 512 or the model's position limit)";

    /// <summary>Fine-tunes on the SQuAD folder <paramref name="task"/> with the recipe already read from <paramref name="a"/>.</summary>
    public static int Finetune(Args a, string model, string task, string output, string init, FineTuneOptions recipe)
    {
        var defaults = new QuestionAnsweringOptions();
        bool epochsGiven = a.Optional("epochs") is not null, lengthGiven = a.Optional("max-length") is not null;
        var options = new QuestionAnsweringOptions
        {
            MaxSeqLength = lengthGiven ? recipe.MaxLength : defaults.MaxSeqLength,
            DocStride = a.Int("doc-stride", defaults.DocStride, min: 1),
            MaxQueryLength = a.Int("max-query-length", defaults.MaxQueryLength, min: 1),
            MaxAnswerLength = a.Int("max-answer-length", defaults.MaxAnswerLength, min: 1),
        };
        a.EnsureAllUsed();
        if (!epochsGiven) recipe = recipe with { Epochs = 2 }; // google's SQuAD setting
        TorchRuntime.EnsureLoaded();
        if (!lengthGiven) options = options with { MaxSeqLength = Math.Min(options.MaxSeqLength, Pretrained.ReadConfig(model).MaxPositionEmbeddings) };
        try
        {
            recipe.Validate();
            options.Validate();
        }
        catch (ArgumentException e)
        {
            throw new UsageException(e.Message);
        }

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
    public static int Predict(Args a, string modelDir, string input, string output, int batch, int? maxLength)
    {
        double? threshold = a.Optional("null-threshold") is null ? null : a.Double("null-threshold", 0);
        a.EnsureAllUsed();
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
