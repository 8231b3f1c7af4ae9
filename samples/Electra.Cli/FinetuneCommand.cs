using System.CommandLine;
using System.CommandLine.Parsing;
using Electra.FineTuning;
using Electra.FineTuning.QuestionAnswering;
using Electra.Modeling;
using Electra.Native;
using Electra.Retrieval;

namespace Electra.Cli;

/// <summary>
/// `electra finetune`: google's fine-tuning recipe on a task folder; prints and saves dev/test metrics and the best
/// model. A folder whose train.tsv starts with the header query&lt;TAB&gt;positive trains a bi-encoder (retrieval).
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
        var options = new FineTuneOptions
        {
            Epochs = r.GetValue(Epochs),
            LearningRate = r.GetValue(Lr),
            LayerDecay = r.GetValue(LayerDecay),
            Seed = r.GetValue(Seed),
            BatchSize = r.GetValue(Batch),
            MaxLength = r.GetValue(MaxLength),
            MaxTrainExamples = r.GetValue(MaxTrain),
            Temperature = r.GetValue(Temperature),
            Pooling = EmbedCommand.PoolingOf(r) ?? Defaults.Pooling,
            RandomInit = init == "random",
            GroupByLength = r.GetValue(GroupByLength),
        };
        if (SquadTask.IsSquadFolder(task))
            return QuestionAnsweringCommand.Finetune(r, model, task, output, init, options, epochsGiven: Given(r, Epochs), lengthGiven: Given(r, MaxLength));
        CliOption.Validate(() => options.Validate());

        TorchRuntime.EnsureLoaded();
        // As for SQuAD: the default length is capped at the model's positions; an explicit value beyond them is a usage error.
        int positions = Interop.Pretrained.ReadConfig(model).MaxPositionEmbeddings;
        if (!Given(r, MaxLength)) options = options with { MaxLength = Math.Min(options.MaxLength, positions) };
        else if (options.MaxLength > positions) throw new UsageException($"--max-length {options.MaxLength} exceeds the model's max_position_embeddings {positions} ({model})");
        Console.WriteLine($"fine-tuning {model} ({init} init) on {task}");
        var result = StopSignal.FineTune(output, stop => BiEncoderTrainer.IsRetrievalTask(task)
            ? BiEncoderTrainer.Run(model, task, options, output, new ConsoleProgress(), stop)
            : FineTuner.Run(model, task, options, output, new ConsoleProgress(), stop));
        if (result is null) return StopSignal.ExitCode;
        if (result.Transfer is not null) Console.WriteLine($"weights {result.Transfer}");
        Console.WriteLine($"best epoch {result.BestEpoch} of {result.Epochs.Count} ({result.TrainExamples} training examples, {result.Seconds:F1} s)");
        Console.WriteLine($"dev  {result.Dev}");
        if (result.Test is not null) Console.WriteLine($"test {result.Test}");
        Console.WriteLine($"wrote {output} (model, tokenizer, results.json)");
        return 0;
    }

    static bool Given(ParseResult r, Option option) => r.GetResult(option) is OptionResult { IdentifierToken: not null };

    /// <summary>Prints reports as they come, on the training thread (Progress&lt;T&gt; would post them out of order).</summary>
    sealed class ConsoleProgress : IProgress<FineTuneProgress>
    {
        public void Report(FineTuneProgress p) => Print(p.Epoch, p.Step, p.TotalSteps, p.TrainLoss, p.Dev, p.Elapsed);
    }

    /// <summary>One progress line of any fine-tuning run; <paramref name="dev"/> (an epoch's dev scores) only at an epoch's end.</summary>
    public static void Print(int epoch, long step, long totalSteps, double trainLoss, object? dev, TimeSpan elapsed)
    {
        string line = FormattableString.Invariant($"epoch {epoch} step {step}/{totalSteps} loss {trainLoss:F4} ({elapsed.TotalSeconds:F1} s)");
        Console.WriteLine(dev is null ? line : $"{line} dev {dev}");
    }
}
