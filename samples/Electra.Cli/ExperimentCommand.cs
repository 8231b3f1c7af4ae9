using System.CommandLine;
using System.Diagnostics;
using System.Globalization;
using System.Text;
using System.Text.Json.Nodes;
using Electra.Data;
using Electra.FineTuning;
using Electra.IO;
using Electra.Modeling;
using Electra.Pretraining;
using Electra.Tasks;
using Electra.Tokenization;
using Electra.Training;
using TorchSharp;

namespace Electra.Cli;

/// <summary>
/// `electra experiment`: the evidence behind ELECTRA's claim. Pre-trains ELECTRA and the MLM baseline on the same data
/// with the same training FLOPs (counted analytically, generator included), fine-tunes each and a randomly
/// initialised encoder on every task over several seeds, and reports mean ± std per task and on average.
/// </summary>
static class ExperimentCommand
{
    static readonly string[] Models = { "electra", "mlm", "none" };

    static readonly PretrainingOptions Defaults = new()
    {
        Preset = ElectraPreset.Tiny,
        BatchSize = 32,
        LogEvery = 25,
        SaveEvery = 1_000_000,
        EvalEvery = 0,
        Seed = 42,
    };
    static readonly FineTuneOptions FineTuneDefaults = new() { MaxTrainExamples = 2000 };

    static readonly Option<string[]> Corpus = CliOption.Many("--corpus", "pre-training text or .jsonl files, or folders of them (default: the public-domain corpus)", valueName: "PATH");
    static readonly Option<string[]> Tasks = CliOption.Many("--tasks", "task folders, or folders of task folders (train/dev[/test].tsv or .conll)", required: true, valueName: "DIR");
    static readonly Option<string> Out = CliOption.OutputFolder("--out", "folder for both runs, the fine-tuned scores and results.json/.md (new, empty, or an earlier experiment's, which is replaced)", required: true);
    static readonly Option<double?> BudgetMinutes = CliOption.OptionalNumber("--budget-minutes", "ELECTRA pre-training wall time on this machine (calibrated); MLM gets the same FLOPs");
    static readonly Option<double?> BudgetFlops = CliOption.OptionalNumber("--budget-flops", "training FLOPs for each objective (default: 5e13 when no --budget-minutes)");
    static readonly Option<int> Seeds = CliOption.Int("--seeds", 3, "fine-tuning seeds per task and model", min: 1);
    static readonly OptionGroup<PretrainingOptions> Objective = PretrainOptionGroups.Objective(Defaults);
    static readonly OptionGroup<PipelineOptions> Text = PretrainOptionGroups.Text(new PipelineOptions { VocabSize = 8192 });
    static readonly Option<int> Epochs = CliOption.Int("--epochs", FineTuneDefaults.Epochs, "fine-tuning epochs", min: 1);
    static readonly Option<int> MaxTrain = CliOption.Int("--max-train", FineTuneDefaults.MaxTrainExamples!.Value, "fine-tuning examples per task at most", min: 1);
    static readonly Option<double> FineTuneLr = CliOption.Number("--finetune-lr", FineTuneDefaults.LearningRate, "fine-tuning peak learning rate");

    public static Command Create()
    {
        var command = new Command("experiment",
            "ELECTRA vs the MLM baseline at equal training FLOPs, each and a randomly initialised encoder fine-tuned on every task over several seeds")
        {
            Corpus, Tasks, Out, BudgetMinutes, BudgetFlops, Seeds, Epochs, MaxTrain, FineTuneLr,
        };
        Objective.AddTo(command);
        Text.AddTo(command);
        command.SetAction(Run);
        return command;
    }

    const string Owner = "experiment";

    /// <summary>What an experiment writes into --out (<see cref="OutputFolder"/>: a re-run replaces these, nothing else).</summary>
    static readonly string[] Entries = ["tokenizer", "electra", "mlm", "results.json", "results.md"];

    static int Run(ParseResult parse)
    {
        IReadOnlyList<string> corpus = parse.GetValue(Corpus) ?? [];
        var taskDirs = parse.GetRequiredValue(Tasks).SelectMany(ExpandTasks).ToList();
        string output = parse.GetRequiredValue(Out);
        double? minutes = parse.GetValue(BudgetMinutes);
        double? flops = parse.GetValue(BudgetFlops);
        if (minutes is not null && flops is not null) throw new UsageException("give --budget-minutes or --budget-flops, not both");
        if (minutes is <= 0 || flops is <= 0) throw new UsageException("the budget must be positive");
        if (minutes is null) flops ??= 5e13; // the default run of docs/experiment.md: ≈ 3,000 ELECTRA Tiny steps, under an hour in all here
        int seeds = parse.GetValue(Seeds);
        var pretrain = Objective.Read(parse, Defaults);
        var pipeline = Text.Read(parse, new PipelineOptions { VocabSize = 8192 });
        var finetune = FineTuneDefaults with { Epochs = parse.GetValue(Epochs), MaxTrainExamples = parse.GetValue(MaxTrain), LearningRate = parse.GetValue(FineTuneLr) };
        CliOption.Validate(() =>
        {
            pretrain.Validate(); // before any output is written: a bad --preset, --lr, --generator-fraction or --seq fails here, not after the tokenizer
            pipeline.Validate(pretrain);
        });
        if (corpus.Count > 0) CorpusReader.ListFiles(corpus); // a missing file fails here (exit 1, named)
        foreach (string task in taskDirs) TaskKinds.Load(task); // a bad task fails here (named), not after both pre-training runs
        OutputFolder.Check(output, Owner, "--out", [.. CorpusCommand.Inputs(corpus), .. taskDirs.Select(t => ((string?)t, "--tasks"))]);
        corpus = CorpusCommand.OrDefault(corpus, Console.Out);
        OutputFolder.RemoveOwn(output, Entries); // an earlier experiment's; files put beside it stay
        OutputFolder.Claim(output, Owner, Entries, overwrite: true);

        // One tokenizer for both objectives, so their datasets hold the same token ids.
        string tokenizerDir = Path.Combine(output, "tokenizer");
        Console.WriteLine($"training a {pipeline.VocabSize}-token vocabulary");
        CorpusVocabulary.Train(corpus, new WordPieceTrainerOptions { VocabSize = pipeline.VocabSize!.Value }, warn: w => Console.Error.WriteLine($"warning: {w}")).Save(tokenizerDir);
        var tokenizer = WordPieceTokenizer.Load(tokenizerDir);
        var special = new SpecialTokens(tokenizer.PadId, tokenizer.ClsId, tokenizer.SepId, tokenizer.MaskId);
        pipeline = pipeline with { TokenizerDir = tokenizerDir };

        // Equal training FLOPs: ELECTRA's steps come from the budget; MLM gets as many steps as the same FLOPs buy.
        double electraFlops = FlopsPerStep(pretrain with { Objective = ObjectiveKind.Electra }, tokenizer.VocabSize, special, pipeline.SequenceLength);
        double mlmFlops = FlopsPerStep(pretrain with { Objective = ObjectiveKind.Mlm }, tokenizer.VocabSize, special, pipeline.SequenceLength);
        long electraSteps = flops is { } f ? (long)(f / electraFlops) : CalibrateSteps(pretrain, tokenizer.VocabSize, special, pipeline.SequenceLength, minutes!.Value);
        double budget = electraSteps * electraFlops;
        long mlmSteps = (long)Math.Round(budget / mlmFlops);
        Console.WriteLine($"budget: {budget:E3} training FLOPs → ELECTRA {electraSteps} steps ({electraFlops:E3}/step), MLM {mlmSteps} steps ({mlmFlops:E3}/step)");
        if (electraSteps < 1 || mlmSteps < 1) throw new UsageException("the budget buys less than one step");

        var runs = new Dictionary<string, (PretrainingResult Result, double Seconds)>();
        foreach (var (name, objective, steps) in new[] { ("electra", ObjectiveKind.Electra, electraSteps), ("mlm", ObjectiveKind.Mlm, mlmSteps) })
        {
            var clock = Stopwatch.StartNew();
            Console.WriteLine($"\npre-training {name}: {steps} steps");
            var printer = new ProgressPrinter();
            var result = PretrainingPipeline.Run(corpus, Path.Combine(output, name), pretrain with { Objective = objective, Steps = steps, EvalEvery = (int)steps },
                pipeline, log: new SynchronousProgress<string>(Console.WriteLine), progress: printer);
            printer.Finish();
            runs[name] = (result, clock.Elapsed.TotalSeconds);
        }

        string electraModel = Path.Combine(output, "electra", "discriminator");
        var modelDirs = new Dictionary<string, string> { ["electra"] = electraModel, ["mlm"] = Path.Combine(output, "mlm", "mlm"), ["none"] = electraModel };
        var scores = new Dictionary<string, Dictionary<string, List<double>>>();
        foreach (string task in taskDirs)
        {
            string name = Path.GetFileName(Path.GetFullPath(task).TrimEnd('/'));
            scores[name] = Models.ToDictionary(m => m, _ => new List<double>());
            foreach (string model in Models)
                for (int seed = 1; seed <= seeds; seed++)
                {
                    var r = FineTune.Run(modelDirs[model], task, finetune with { Seed = seed, RandomInit = model == "none" });
                    double score = r.Test?.Score ?? r.Dev.Score;
                    scores[name][model].Add(score);
                    Console.WriteLine($"  {name} {model} seed {seed}: test {score:F4} (dev {r.Dev.Score:F4}, best epoch {r.BestEpoch}, {r.Seconds:F0} s)");
                }
        }

        var json = Results(scores, budget, electraSteps, mlmSteps, electraFlops, mlmFlops, runs, pretrain, finetune, seeds);
        AtomicFile.WriteAllText(Path.Combine(output, "results.json"), json.ToJsonString(new System.Text.Json.JsonSerializerOptions { WriteIndented = true }));
        string table = Markdown(scores, json);
        AtomicFile.WriteAllText(Path.Combine(output, "results.md"), table);
        Console.WriteLine();
        Console.WriteLine(table);
        Console.WriteLine($"results: {Path.Combine(output, "results.json")}, {Path.Combine(output, "results.md")}");
        return 0;
    }

    static IEnumerable<string> ExpandTasks(string dir)
    {
        if (!Directory.Exists(dir)) throw new UsageException($"--tasks: no such folder {dir}");
        // A folder of task folders (../shared/data/tasks) or a task folder itself (holds train.*).
        return Directory.EnumerateFiles(dir, "train.*").Any() ? new[] { dir } : Directory.GetDirectories(dir).Order(StringComparer.Ordinal);
    }

    static double FlopsPerStep(PretrainingOptions options, int vocab, SpecialTokens special, int seq)
    {
        using var model = options.CreateObjective(vocab, special);
        return model.TrainingFlops(options.EffectiveBatchSize, seq);
    }

    /// <summary>
    /// ELECTRA steps that fit in the wall-time budget on this machine, from a short timed run of the trainer's step on
    /// random batches, on the device and at the precision the runs will train with (<see cref="PretrainingOptions.ResolveDevice"/>).
    /// </summary>
    static long CalibrateSteps(PretrainingOptions options, int vocab, SpecialTokens special, int seq, double minutes)
    {
        var device = options.ResolveDevice();
        using var model = options.CreateObjective(vocab, special);
        model.to(device.Device);
        using var optimizer = options.CreateOptimizer(model);
        using var step = new PretrainingStep(model, optimizer, device, options.Seed);
        var batch = RandomBatch(options.EffectiveBatchSize, seq, vocab, special);
        double seconds = 0;
        for (int s = 0; s < 8; s++)
        {
            var clock = Stopwatch.StartNew();
            step.Run(s, 1e-5, [batch]);
            device.Synchronize(); // CUDA queues the step: wait for it before reading the clock
            if (s >= 3) seconds += clock.Elapsed.TotalSeconds; // after warm-up
        }
        double perStep = seconds / 5;
        Console.WriteLine($"calibration on {device.Device}{(device.Bf16 ? " (bf16)" : "")}: {perStep * 1000:F0} ms per ELECTRA step → {minutes} min ≈ {(long)(minutes * 60 / perStep)} steps");
        return Math.Max(1, (long)(minutes * 60 / perStep));
    }

    /// <summary>Full-length rows of random regular ids after [CLS], as the loader would hand them over.</summary>
    static PretrainingBatch RandomBatch(int batch, int seq, int vocab, SpecialTokens special)
    {
        var random = new Random(0);
        var ids = new long[batch * seq];
        for (int i = 0; i < ids.Length; i++) ids[i] = i % seq == 0 ? special.Cls : random.Next(5, vocab);
        var mask = Enumerable.Repeat(1L, ids.Length).ToArray();
        return new PretrainingBatch(batch, seq, ids, new long[ids.Length], mask, LoaderPosition.Start, LoaderPosition.Start);
    }

    static JsonObject Results(Dictionary<string, Dictionary<string, List<double>>> scores, double budget, long electraSteps, long mlmSteps,
        double electraFlops, double mlmFlops, Dictionary<string, (PretrainingResult Result, double Seconds)> runs, PretrainingOptions pretrain, FineTuneOptions finetune, int seeds)
    {
        var tasks = new JsonObject();
        foreach (var (task, byModel) in scores)
        {
            var entry = new JsonObject();
            foreach (var (model, list) in byModel)
                entry[model] = new JsonObject { ["mean"] = Mean(list), ["std"] = Std(list), ["runs"] = new JsonArray(list.Select(x => (JsonNode)x).ToArray()) };
            tasks[task] = entry;
        }
        var average = new JsonObject();
        foreach (string model in Models) average[model] = scores.Values.Average(t => Mean(t[model]));
        return new JsonObject
        {
            ["tasks"] = tasks,
            ["average"] = average,
            ["budget"] = new JsonObject
            {
                ["training_flops"] = budget,
                ["electra"] = new JsonObject { ["steps"] = electraSteps, ["flops_per_step"] = electraFlops, ["wall_seconds"] = runs["electra"].Seconds, ["tokens_per_s"] = runs["electra"].Result.TokensPerSecond },
                ["mlm"] = new JsonObject { ["steps"] = mlmSteps, ["flops_per_step"] = mlmFlops, ["wall_seconds"] = runs["mlm"].Seconds, ["tokens_per_s"] = runs["mlm"].Result.TokensPerSecond },
            },
            ["settings"] = new JsonObject
            {
                ["preset"] = pretrain.Preset.Name, ["batch"] = pretrain.EffectiveBatchSize, ["lr"] = pretrain.EffectiveLearningRate,
                ["sharing"] = pretrain.Electra.Sharing.ToString().ToLowerInvariant(), ["generator_fraction"] = pretrain.GeneratorFraction ?? pretrain.Preset.GeneratorFraction,
                ["seeds"] = seeds, ["finetune_epochs"] = finetune.Epochs,
                ["finetune_max_train"] = finetune.MaxTrainExamples, ["finetune_lr"] = finetune.LearningRate,
                ["score"] = "each task's headline test metric: macro-F1 (multi-class text), MCC (binary text), token accuracy (tagging)",
            },
        };
    }

    static string Markdown(Dictionary<string, Dictionary<string, List<double>>> scores, JsonObject json)
    {
        var sb = new StringBuilder();
        sb.AppendLine("| task | ELECTRA | MLM | no pre-training |");
        sb.AppendLine("|---|---|---|---|");
        foreach (var (task, m) in scores)
            sb.AppendLine($"| {task} | {Cell(m["electra"])} | {Cell(m["mlm"])} | {Cell(m["none"])} |");
        var avg = json["average"]!;
        sb.AppendLine(string.Create(CultureInfo.InvariantCulture, $"| **average** | **{(double)avg["electra"]!:F4}** | **{(double)avg["mlm"]!:F4}** | **{(double)avg["none"]!:F4}** |"));
        var b = json["budget"]!;
        sb.AppendLine();
        sb.AppendLine(string.Create(CultureInfo.InvariantCulture,
            $"Budget: {(double)b["training_flops"]!:E3} training FLOPs; ELECTRA {(long)b["electra"]!["steps"]!} steps in {(double)b["electra"]!["wall_seconds"]! / 60:F1} min, " +
            $"MLM {(long)b["mlm"]!["steps"]!} steps in {(double)b["mlm"]!["wall_seconds"]! / 60:F1} min."));
        sb.AppendLine();
        sb.AppendLine("Loss curves: `electra/training.png`, `mlm/training.png`.");
        return sb.ToString();
    }

    static string Cell(List<double> runs) => string.Create(CultureInfo.InvariantCulture, $"{Mean(runs):F4} ± {Std(runs):F4}");

    static double Mean(List<double> x) => x.Count == 0 ? double.NaN : x.Average();

    static double Std(List<double> x)
    {
        if (x.Count < 2) return 0;
        double m = x.Average();
        return Math.Sqrt(x.Sum(v => (v - m) * (v - m)) / (x.Count - 1));
    }
}
