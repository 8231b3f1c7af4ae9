using System.Diagnostics;
using System.Globalization;
using System.Text;
using System.Text.Json.Nodes;
using Electra.Data;
using Electra.FineTuning;
using Electra.Interop;
using Electra.Pretraining;
using Electra.Tokenization;
using Electra.Training;

namespace Electra.Cli;

/// <summary>
/// `electra experiment`: the evidence behind ELECTRA's claim. Pre-trains ELECTRA and the MLM baseline on the same data
/// with the same training FLOPs (counted analytically, generator included), fine-tunes each and a randomly
/// initialised encoder on every task over several seeds, and reports mean ± std per task and on average.
/// </summary>
static class ExperimentCommand
{
    public const string Usage = "electra experiment [--corpus PATH...] --tasks DIR... --out DIR [--budget-minutes M | --budget-flops F] [--seeds N] [--preset P] " +
                                "[--batch B] [--seq L] [--vocab-size N] [--lr X] [--sharing shared|none|gdes] [--generator-fraction X] [--disc-weight X] [--mask-prob X] [--epochs N] [--max-train N] [--finetune-lr X]";

    static readonly string[] Models = { "electra", "mlm", "none" };

    public static int Run(Args a)
    {
        var corpus = a.Many("corpus");
        var taskDirs = a.Many("tasks", required: true).SelectMany(ExpandTasks).ToList();
        string output = a.Required("out");
        double? minutes = a.Optional("budget-minutes") is null ? null : a.Double("budget-minutes", 0);
        double? flops = a.Optional("budget-flops") is null ? null : a.Double("budget-flops", 0);
        if (minutes is not null && flops is not null) throw new UsageException("give --budget-minutes or --budget-flops, not both");
        if (minutes is <= 0 || flops is <= 0) throw new UsageException("the budget must be positive");
        if (minutes is null) flops ??= 5e13; // the default run of docs/experiment.md: ≈ 3,000 ELECTRA Tiny steps, under an hour in all here
        int seeds = a.Int("seeds", 3, min: 1);
        var pretrain = new PretrainingOptions
        {
            Preset = a.Optional("preset") ?? "tiny",
            BatchSize = a.Int("batch", 32, min: 1),
            LogEvery = 25,
            SaveEvery = 1_000_000,
            EvalEvery = 0,
            Seed = 42,
            LearningRate = a.Optional("lr") is null ? null : a.Double("lr", 0),
            Sharing = PretrainCommand.ReadSharing(a, EmbeddingSharing.Shared),
            GeneratorFraction = a.Optional("generator-fraction") is null ? null : a.Double("generator-fraction", 0),
            DiscriminatorWeight = a.Double("disc-weight", new PretrainingOptions().DiscriminatorWeight),
            MaskProbability = a.Optional("mask-prob") is null ? null : a.Double("mask-prob", 0), // both objectives mask at this rate
        };
        var pipeline = new PipelineOptions { SequenceLength = a.Int("seq", 128, min: 8), VocabSize = a.Optional("vocab-size") is null ? 8192 : a.Int("vocab-size", 0, min: 16) };
        var finetune = new FineTuneOptions
        {
            Epochs = a.Int("epochs", 3, min: 1),
            MaxTrainExamples = a.Optional("max-train") is null ? 2000 : a.Int("max-train", 0, min: 1),
            LearningRate = a.Double("finetune-lr", 3e-4),
        };
        a.EnsureAllUsed();
        try
        {
            pretrain.Validate(); // before any output is written: a bad --preset, --lr or --generator-fraction fails here, not after the tokenizer
        }
        catch (ArgumentException e)
        {
            throw new UsageException(e.Message);
        }
        if (Directory.Exists(output) && Directory.EnumerateFileSystemEntries(output).Any())
            throw new UsageException($"{output} is not empty; choose a new --out");
        if (corpus.Count == 0) corpus = new[] { CorpusDownloader.Fetch(log: new Progress<string>(l => Console.WriteLine($"corpus: {l}"))).Folder };

        // One tokenizer for both objectives, so their datasets hold the same token ids.
        string tokenizerDir = Path.Combine(output, "tokenizer");
        Console.WriteLine($"training a {pipeline.VocabSize}-token vocabulary");
        WordPieceTrainer.TrainFromFiles(CorpusReader.ListFiles(corpus), new WordPieceTrainerOptions { VocabSize = pipeline.VocabSize!.Value }).Save(tokenizerDir);
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
                    var r = FineTuner.Run(modelDirs[model], task, finetune with { Seed = seed, RandomInit = model == "none" });
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

    /// <summary>ELECTRA steps that fit in the wall-time budget on this machine, from a short timed run of random batches.</summary>
    static long CalibrateSteps(PretrainingOptions options, int vocab, SpecialTokens special, int seq, double minutes)
    {
        using var model = options.CreateObjective(vocab, special);
        using var optimizer = new AdamWeightDecay(AdamWeightDecay.DefaultGroups(model, 0.01), new OptimizerOptions());
        int batch = options.EffectiveBatchSize;
        var ids = TorchSharp.torch.randint(5, vocab, new long[] { batch, seq });
        ids[TorchSharp.torch.TensorIndex.Colon, 0] = TorchSharp.torch.tensor((long)special.Cls);
        var mask = TorchSharp.torch.ones_like(ids);
        var types = TorchSharp.torch.zeros_like(ids);
        double seconds = 0;
        for (int step = 0; step < 8; step++)
        {
            using var scope = TorchSharp.torch.NewDisposeScope();
            var clock = Stopwatch.StartNew();
            model.Forward(ids, mask, types).Loss.backward();
            optimizer.Step(1e-5);
            model.zero_grad();
            if (step >= 3) seconds += clock.Elapsed.TotalSeconds; // after warm-up
        }
        double perStep = seconds / 5;
        Console.WriteLine($"calibration: {perStep * 1000:F0} ms per ELECTRA step → {minutes} min ≈ {(long)(minutes * 60 / perStep)} steps");
        return Math.Max(1, (long)(minutes * 60 / perStep));
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
                ["preset"] = pretrain.Preset, ["batch"] = pretrain.EffectiveBatchSize, ["lr"] = pretrain.EffectiveLearningRate,
                ["sharing"] = pretrain.Sharing.ToString().ToLowerInvariant(), ["generator_fraction"] = pretrain.GeneratorFraction ?? pretrain.ResolvePreset().GeneratorFraction,
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
