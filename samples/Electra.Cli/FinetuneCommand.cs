using Electra.FineTuning;
using Electra.Native;
using Electra.Retrieval;

namespace Electra.Cli;

/// <summary>
/// `electra finetune`: google's fine-tuning recipe on a task folder; prints and saves dev/test metrics and the best
/// model. A folder whose train.tsv starts with the header query&lt;TAB&gt;positive trains a bi-encoder (retrieval).
/// </summary>
static class FinetuneCommand
{
    public const string Usage = "electra finetune --model DIR --task DIR --out DIR [--init pretrained|random] [--epochs N] [--lr X] [--layer-decay X] [--seed S] [--batch B] [--max-length L] [--max-train N] [--temperature T] [--pooling mean|cls]";

    public static int Run(Args a)
    {
        string model = a.Required("model");
        string task = a.Required("task");
        string output = a.Required("out");
        string init = a.Optional("init") ?? "pretrained";
        var defaults = new FineTuneOptions();
        int? maxTrain = a.Optional("max-train") is null ? null : a.Int("max-train", 0, min: 1);
        var options = new FineTuneOptions
        {
            Epochs = a.Int("epochs", defaults.Epochs, min: 1),
            LearningRate = a.Double("lr", defaults.LearningRate),
            LayerDecay = a.Double("layer-decay", defaults.LayerDecay),
            Seed = a.Int("seed", defaults.Seed),
            BatchSize = a.Int("batch", defaults.BatchSize, min: 1),
            MaxLength = a.Int("max-length", defaults.MaxLength, min: 3),
            MaxTrainExamples = maxTrain,
            Temperature = a.Double("temperature", defaults.Temperature),
            Pooling = EmbedCommand.ReadPooling(a) ?? defaults.Pooling,
            RandomInit = init switch
            {
                "pretrained" => false,
                "random" => true,
                _ => throw new UsageException($"--init expects 'pretrained' or 'random', got '{init}'"),
            },
        };
        a.EnsureAllUsed();
        try
        {
            options.Validate();
        }
        catch (ArgumentException e)
        {
            throw new UsageException(e.Message);
        }

        TorchRuntime.EnsureLoaded();
        Console.WriteLine($"fine-tuning {model} ({init} init) on {task}");
        var result = BiEncoderTrainer.IsRetrievalTask(task)
            ? BiEncoderTrainer.Run(model, task, options, output, new ConsoleProgress())
            : FineTuner.Run(model, task, options, output, new ConsoleProgress());
        if (result.Transfer is not null) Console.WriteLine($"weights {result.Transfer}");
        Console.WriteLine($"best epoch {result.BestEpoch} of {result.Epochs.Count} ({result.TrainExamples} training examples, {result.Seconds:F1} s)");
        Console.WriteLine($"dev  {result.Dev}");
        if (result.Test is not null) Console.WriteLine($"test {result.Test}");
        Console.WriteLine($"wrote {output} (model, tokenizer, results.json)");
        return 0;
    }

    /// <summary>Prints reports as they come, on the training thread (Progress&lt;T&gt; would post them out of order).</summary>
    sealed class ConsoleProgress : IProgress<FineTuneProgress>
    {
        public void Report(FineTuneProgress p)
        {
            string line = FormattableString.Invariant($"epoch {p.Epoch} step {p.Step}/{p.TotalSteps} loss {p.TrainLoss:F4} ({p.Elapsed.TotalSeconds:F1} s)");
            Console.WriteLine(p.Dev is null ? line : $"{line} dev {p.Dev}");
        }
    }
}
