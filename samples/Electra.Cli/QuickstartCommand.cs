using Electra.Training;

namespace Electra.Cli;

/// <summary>
/// `electra quickstart`: the README's first command. Pre-trains the Tiny preset on the default public-domain
/// corpus (fetched on first use) for a few minutes on a CPU, with the same options as `pretrain`.
/// </summary>
static class QuickstartCommand
{
    public const string Usage = "electra quickstart [--out DIR] [--steps N] [any `pretrain` option]   (default: runs/quickstart, tiny preset, 400 steps)";

    static readonly PretrainingOptions Defaults = new()
    {
        Preset = Electra.Modeling.ElectraPreset.Tiny,
        Steps = 400,
        BatchSize = 32,
        SaveEvery = 200,
        EvalEvery = 200,
        LogEvery = 10,
        EvalBatches = 20,
    };

    public static int Run(Args a)
    {
        var corpus = a.Many("corpus");
        string output = a.Optional("out") ?? Path.Combine("runs", "quickstart");
        var options = PretrainCommand.ReadOptions(a, Defaults);
        var pipeline = PretrainCommand.ReadPipeline(a);
        bool resume = a.Flag("resume");
        a.EnsureAllUsed();
        if (!resume && Directory.Exists(output) && Directory.EnumerateFileSystemEntries(output).Any())
        {
            Console.WriteLine($"{output} holds an earlier quick start; replacing it (use --resume to continue it instead)");
            Directory.Delete(output, recursive: true);
        }
        return PretrainCommand.Execute(corpus, output, options, pipeline, resume);
    }
}
