using System.CommandLine;
using System.CommandLine.Parsing;
using Electra.FineTuning;
using Electra.Modeling;
using Electra.Native;
using Electra.Tasks;

namespace Electra.Cli;

/// <summary>
/// `electra finetune`: google's fine-tuning recipe on a task folder of any kind (<see cref="FineTune.Run(string, string, FineTuneOptions, string?, IProgress{FineTuneProgress}?, CancellationToken)"/>
/// detects it: classification, regression, tagging, SQuAD, a bi-encoder); prints and saves dev/test metrics and the best model.
/// </summary>
static class FinetuneCommand
{
    static readonly FineTuneOptions Defaults = new();
    static readonly Option<string> Model = CliOption.Text("--model", "pre-trained discriminator folder (HF layout), e.g. runs/quickstart/discriminator", required: true, valueName: "DIR");
    static readonly Option<string> Task = CliOption.Text("--task", "task folder: train/dev[/test].tsv (text[, text_b], label; numeric labels: regression; query, positive: bi-encoder), .conll (word, tag) or .json (SQuAD v1.1/v2.0: question answering)", required: true, valueName: "DIR");
    static readonly Option<string> Out = CliOption.OutputFolder("--out", "folder to write the best model, its tokenizer and results.json", required: true);
    static readonly Option<string> Init = CliOption.Choice("--init", "pretrained", "start from the pre-trained weights, or from random ones (the no-pre-training baseline)", "pretrained", "random");
    static readonly Option<int> Epochs = CliOption.Int("--epochs", Defaults.Epochs, "passes over the training set", min: 1);
    static readonly Option<double> Lr = CliOption.Number("--lr", Defaults.LearningRate, "peak learning rate");
    static readonly Option<double> LayerDecay = CliOption.Number("--layer-decay", Defaults.LayerDecay, "layer-wise learning-rate decay (1: none)");
    static readonly Option<int> Seed = CliOption.Int("--seed", Defaults.Seed, "random seed (head initialisation, dropout, data order)");
    static readonly Option<int> Batch = CliOption.Int("--batch", Defaults.BatchSize, "training examples per step", min: 1);
    static readonly Option<int> MaxLength = CliOption.Int("--max-length", Defaults.MaxLength, "tokens per example, longer ones truncated (SQuAD: the window, default 512 capped at the model's positions)", min: 3);
    static readonly Option<int?> MaxTrain = CliOption.OptionalInt("--max-train", "use at most N training examples (default: all)", min: 1);
    static readonly Option<bool> GroupByLength = CliOption.Flag("--group-by-length", "batch training examples of similar length together (HF Trainer's group_by_length: faster, other batches than the default run at the same seed, so other results)");
    static readonly Option<double> Temperature = CliOption.Renamed(
        CliOption.Number("--contrastive-temperature", Defaults.Temperature, "retrieval tasks: temperature τ of the in-batch contrastive loss (formerly --temperature)"), OldTemperatureName);
    const string OldTemperatureName = "--temperature";

    public static Command Create()
    {
        var command = CliOption.Command("finetune", "fine-tune a pre-trained discriminator on a task folder; prints and saves dev/test metrics and the best model", Run,
            Model, Task, Out, Init, Epochs, Lr, LayerDecay, Seed, Batch, MaxLength, MaxTrain, GroupByLength, Temperature, EmbedCommand.Pooling);
        QuestionAnsweringCommand.AddFinetuneOptions(command);
        return command;
    }

    static int Run(ParseResult r)
    {
        string model = r.GetRequiredValue(Model);
        string task = r.GetRequiredValue(Task);
        string output = r.GetRequiredValue(Out);
        string init = r.GetRequiredValue(Init);
        CliOption.WarnIfOldName(r, Temperature, OldTemperatureName, "pretrain's --temperature is the generator's sampling temperature, a different thing");
        // The task kind's defaults (SQuAD: 2 epochs, windows of 512) with the length capped at the model's positions;
        // an explicit --max-length beyond them is a usage error.
        var defaults = FineTune.DefaultOptions(model, task);
        var options = defaults with
        {
            Epochs = Given(r, Epochs) ? r.GetValue(Epochs) : defaults.Epochs,
            LearningRate = r.GetValue(Lr),
            LayerDecay = r.GetValue(LayerDecay),
            Seed = r.GetValue(Seed),
            BatchSize = r.GetValue(Batch),
            MaxLength = Given(r, MaxLength) ? r.GetValue(MaxLength) : defaults.MaxLength,
            MaxTrainExamples = r.GetValue(MaxTrain),
            Temperature = r.GetValue(Temperature),
            Pooling = EmbedCommand.PoolingOf(r) ?? Defaults.Pooling,
            RandomInit = init == "random",
            GroupByLength = r.GetValue(GroupByLength),
            QuestionAnswering = QuestionAnsweringCommand.FinetuneOptions(r),
        };
        CliOption.Validate(() => FineTune.ValidateOptions(model, task, options), Temperature);

        TorchRuntime.EnsureLoaded();
        Console.WriteLine($"fine-tuning {model} ({init} init) for {TaskKinds.Detect(task).Name.Replace('_', ' ')} on {task}");
        var result = StopSignal.FineTune(output, stop => FineTune.Run(model, task, options, output, new ConsoleProgress(options.QuestionAnswering.MaxQueryLength), stop));
        if (result is null) return StopSignal.ExitCode;
        if (result.Transfer is not null) Console.WriteLine($"weights {result.Transfer}");
        string examples = result.TrainWindows is int windows ? $"{result.TrainExamples} training questions in {windows} windows" : $"{result.TrainExamples} training examples";
        Console.WriteLine($"best epoch {result.BestEpoch} of {result.Epochs.Count} ({examples}, {result.Seconds:F1} s)");
        Console.WriteLine($"dev  {result.Dev}");
        if (result.Test is not null) Console.WriteLine($"test {result.Test}");
        var written = Directory.EnumerateFileSystemEntries(output).Select(Path.GetFileName).Where(n => !n!.StartsWith('.')).Order(StringComparer.Ordinal);
        Console.WriteLine($"wrote {output} ({string.Join(", ", written)})");
        return 0;
    }

    static bool Given(ParseResult r, Option option) => r.GetResult(option) is OptionResult { IdentifierToken: not null };

    /// <summary>
    /// Prints reports as they come, on the training thread (Progress&lt;T&gt; would post them out of order), and the
    /// warning about questions cut to the max query length once, with the first.
    /// </summary>
    sealed class ConsoleProgress(int maxQueryLength) : IProgress<FineTuneProgress>
    {
        bool warned;

        public void Report(FineTuneProgress p)
        {
            if (!warned)
            {
                warned = true;
                QuestionAnsweringCommand.WarnTruncated(p.TruncatedQuestions, maxQueryLength);
            }
            string line = FormattableString.Invariant($"epoch {p.Epoch} step {p.Step}/{p.TotalSteps} loss {p.TrainLoss:F4} ({p.Elapsed.TotalSeconds:F1} s)");
            Console.WriteLine(p.Dev is null ? line : $"{line} dev {p.Dev}");
        }
    }
}
