using System.CommandLine;
using Electra.Training;

namespace Electra.Cli;

/// <summary>
/// `electra quickstart`: the README's first command. Pre-trains the Tiny preset on the default public-domain
/// corpus (fetched on first use) for a few minutes on a CPU, with the same options as `pretrain`. Run again, it
/// replaces its own earlier run (only what that run wrote: a folder it did not claim is refused without --force).
/// </summary>
static class QuickstartCommand
{
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

    static readonly Option<string> Out = CliOption.OutputFolder("--out", "run folder; run again, its earlier quick start is replaced (files you put there are kept)", Path.Combine("runs", "quickstart"));
    static readonly OptionGroup<PretrainingOptions> Objective = PretrainOptionGroups.Objective(Defaults);
    static readonly OptionGroup<PretrainingOptions> Run = PretrainOptionGroups.Run(Defaults);
    static readonly OptionGroup<PipelineOptions> Text = PretrainOptionGroups.Text(new PipelineOptions());

    public static Command Create()
    {
        var command = new Command("quickstart", "pre-train the tiny preset on the default public-domain corpus in a few minutes on a CPU (any `pretrain` option)")
        {
            PretrainCommand.Corpus, Out, PretrainCommand.Tokenizer, PretrainCommand.Resume, PretrainCommand.Force, PretrainOptionGroups.PrintConfig,
        };
        Objective.AddTo(command);
        Run.AddTo(command);
        Text.AddTo(command);
        command.SetAction(r =>
        {
            var options = Run.Read(r, Objective.Read(r, Defaults)) with
            {
                Pipeline = Text.Read(r, new PipelineOptions()) with { TokenizerDir = r.GetValue(PretrainCommand.Tokenizer) },
            };
            if (r.GetValue(PretrainOptionGroups.PrintConfig)) return PretrainOptionGroups.Print(options);
            return PretrainCommand.Execute(new PretrainCommand.RunRequest(r.GetValue(PretrainCommand.Corpus) ?? [], r.GetRequiredValue(Out),
                options, options.Pipeline, r.GetValue(PretrainCommand.Resume), r.GetValue(PretrainCommand.Force), "quickstart"));
        });
        return command;
    }
}
