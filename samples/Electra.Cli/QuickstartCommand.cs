using System.CommandLine;
using Electra.Training;

namespace Electra.Cli;

/// <summary>
/// `electra quickstart`: the README's first command. Pre-trains the Tiny preset on the default public-domain
/// corpus (fetched on first use) for a few minutes on a CPU, with the same options as `pretrain`.
/// </summary>
static class QuickstartCommand
{
    static readonly PretrainingOptions Defaults = new()
    {
        Preset = "tiny",
        Steps = 400,
        BatchSize = 32,
        SaveEvery = 200,
        EvalEvery = 200,
        LogEvery = 10,
        EvalBatches = 20,
    };

    static readonly Option<string> Out = CliOption.Text("--out", "run folder", Path.Combine("runs", "quickstart"), valueName: "DIR");
    static readonly OptionGroup<PretrainingOptions> Objective = PretrainOptionGroups.Objective(Defaults);
    static readonly OptionGroup<PretrainingOptions> Run = PretrainOptionGroups.Run(Defaults);
    static readonly OptionGroup<PipelineOptions> Text = PretrainOptionGroups.Text(new PipelineOptions());

    public static Command Create()
    {
        var command = new Command("quickstart", "pre-train the tiny preset on the default public-domain corpus in a few minutes on a CPU (any `pretrain` option)")
        {
            PretrainCommand.Corpus, Out, PretrainCommand.Tokenizer, PretrainCommand.Resume,
        };
        Objective.AddTo(command);
        Run.AddTo(command);
        Text.AddTo(command);
        command.SetAction(r =>
        {
            string output = r.GetRequiredValue(Out);
            bool resume = r.GetValue(PretrainCommand.Resume);
            var options = Run.Read(r, Objective.Read(r, Defaults));
            var pipeline = Text.Read(r, new PipelineOptions()) with { TokenizerDir = r.GetValue(PretrainCommand.Tokenizer) };
            if (!resume && Directory.Exists(output) && Directory.EnumerateFileSystemEntries(output).Any())
            {
                Console.WriteLine($"{output} holds an earlier quick start; replacing it (use --resume to continue it instead)");
                Directory.Delete(output, recursive: true);
            }
            return PretrainCommand.Execute(r.GetValue(PretrainCommand.Corpus) ?? [], output, options, pipeline, resume);
        });
        return command;
    }
}
