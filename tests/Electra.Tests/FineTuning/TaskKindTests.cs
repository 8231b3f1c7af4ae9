using Electra.FineTuning;
using Electra.FineTuning.Prediction;
using Electra.FineTuning.QuestionAnswering;
using Electra.Modeling;
using Electra.Tasks;
using Electra.Tokenization;
using static TorchSharp.torch;

namespace Electra.Tests.FineTuning;

/// <summary>
/// A toy task kind written outside the library, as CONTRIBUTING.md's "How to add a task kind" does: a folder of
/// <c>train.length</c> and <c>dev.length</c>, one text per line, each text <c>short</c> or <c>long</c> by its number of
/// words. The kind reads the folder, encodes, collates, computes its loss, evaluates its headline metric and saves;
/// its prediction (<see cref="LengthPrediction"/>) labels a <c>.length</c> file with the fine-tuned model.
/// </summary>
sealed record LengthTask(string Name, IReadOnlyList<string> Train, IReadOnlyList<string> Dev) : FineTuningTask(Name)
{
    /// <summary>A text of at least this many words is long.</summary>
    public const int LongFrom = 6;

    static readonly LabelSet Labels = new(["long", "short"]);

    public override string Kind => "length";

    public static bool IsFolder(string dir) => File.Exists(Path.Combine(dir, "train.length"));

    public static LengthTask Load(string dir) => new(Path.GetFileName(Path.GetFullPath(dir)),
        File.ReadAllLines(Path.Combine(dir, "train.length")), File.ReadAllLines(Path.Combine(dir, "dev.length")));

    /// <summary>The text's word pieces with [CLS]/[SEP] and its label id (the labels sort long, short).</summary>
    public sealed record Example(int[] Ids, int Label);

    public static Example[] Encode(IReadOnlyList<string> texts, TokenizerAdapter tokenizer, int maxLength) => texts
        .Select(t => new Example(tokenizer.Encode(t, null, new EncodeOptions { MaxLength = maxLength }).Ids, t.Split(' ').Length >= LongFrom ? 0 : 1))
        .ToArray();

    /// <summary>Ids, mask and segment ids [B, T] of a batch padded to its longest text, and the labels [B].</summary>
    static (Tensor Ids, Tensor Mask, Tensor Types, Tensor Labels) Collate(IReadOnlyList<Example> batch, int padId)
    {
        var padded = BatchEncoding.Pad(batch.Select(e => e.Ids).ToList(), batch.Select(e => new int[e.Ids.Length]).ToList(), padId);
        long[] shape = [padded.BatchSize, padded.SequenceLength];
        return (tensor(padded.InputIds, shape), tensor(padded.AttentionMask, shape), tensor(padded.TokenTypeIds, shape), tensor(batch.Select(e => (long)e.Label).ToArray()));
    }

    /// <summary>The share of <paramref name="examples"/> the model labels right, in eval mode without gradients.</summary>
    public static LengthAccuracy Accuracy(ElectraClassifier model, IReadOnlyList<Example> examples, int padId)
    {
        model.eval();
        using var noGrad = no_grad();
        using var scope = NewDisposeScope();
        var (ids, mask, types, labels) = Collate(examples, padId);
        long right = model.call(ids, mask, types).argmax(-1).eq(labels).sum().item<long>(); // sync: the metric
        return new LengthAccuracy((double)right / examples.Count, examples.Count);
    }

    public override FineTuningRun Prepare(TokenizerAdapter tokenizer, FineTuneOptions options) =>
        new Run(Encode(Subsample.Of(Train, options.MaxTrainExamples, options.Seed), tokenizer, options.MaxLength), Encode(Dev, tokenizer, options.MaxLength), tokenizer.PadId);

    sealed class Run(Example[] train, Example[] dev, int padId) : FineTuningRun<ElectraClassifier, Example>(train)
    {
        protected override IReadOnlyList<string> Labels => LengthTask.Labels.Names;

        protected override (ElectraClassifier Model, TransferReport? Transfer) CreateModel(string modelDir, ElectraConfig config, FineTuneOptions options) =>
            options.RandomInit ? (ElectraClassifier.Create(TaskKind.Sequence, config, LengthTask.Labels), null) : ElectraClassifier.FromPretrained(modelDir, TaskKind.Sequence, LengthTask.Labels);

        protected override Tensor Loss(ElectraClassifier model, IReadOnlyList<Example> batch)
        {
            var (ids, mask, types, labels) = Collate(batch, padId);
            return nn.functional.cross_entropy(model.call(ids, mask, types), labels);
        }

        protected override TaskMetrics EvaluateDev(ElectraClassifier model) => Accuracy(model, dev, padId);

        protected override TaskMetrics? EvaluateTest(ElectraClassifier model, TaskMetrics bestDev) => null;

        protected override int Length(Example item) => item.Ids.Length;

        protected override void Save(ElectraClassifier model, string dir, string modelDir, FineTuneResult result) => model.Save(dir, modelDir);
    }
}

/// <summary>
/// The toy kind's part in <c>electra predict</c>: it serves the folders whose <c>results.json</c> records the kind
/// <c>length</c>, reads a <c>.length</c> file, labels each text with the class of the highest logit and writes
/// <c>text&lt;TAB&gt;label</c> lines, scored against the rule (a text's gold label is its length's).
/// </summary>
sealed class LengthPrediction : TaskPrediction<IReadOnlyList<string>>
{
    public override bool Serves(string modelDir) => RecordedKind(modelDir) == "length";

    public override IReadOnlyList<string> Read(string input) => File.ReadAllLines(input);

    public override PredictionReport Run(IFineTunedEncoder model, IReadOnlyList<string> texts, string output, PredictionOptions options)
    {
        var examples = LengthTask.Encode(texts, TokenizerAdapter.Create(model.Tokenizer), options.MaxLength ?? model.MaxPositions);
        var predicted = new List<int>();
        foreach (var batch in examples.Chunk(options.BatchSize))
        {
            var padded = BatchEncoding.Pad(batch.Select(e => e.Ids).ToList(), batch.Select(e => new int[e.Ids.Length]).ToList(), model.Tokenizer.PadId);
            var logits = model.Logits(padded)[0]; // [B, 2]
            predicted.AddRange(batch.Select((_, r) => logits[2 * r + 1] > logits[2 * r] ? 1 : 0)); // argmax, the first on a tie
        }
        File.WriteAllLines(output, texts.Select((t, i) => $"{t}\t{model.Labels[predicted[i]]}"));
        int right = examples.Where((e, i) => e.Label == predicted[i]).Count();
        return new PredictionReport(output, texts.Count, "texts", new LengthAccuracy((double)right / texts.Count, texts.Count));
    }
}

/// <summary>The toy kind's metrics: accuracy, its headline.</summary>
sealed record LengthAccuracy(double Accuracy, int Count) : TaskMetrics
{
    public override string Metric => "accuracy";

    public override double Score => Accuracy;

    public override int Count { get; } = Count;
}

public class TaskKindTests
{
    static string Discriminator => Path.Combine(TestPaths.Fixture, "discriminator");

    static readonly TaskFolderKind LengthKind = Register();

    static TaskFolderKind Register()
    {
        var kind = new TaskFolderKind("length", LengthTask.IsFolder, LengthTask.Load, new FineTuneOptions()) { Prediction = new LengthPrediction() };
        TaskKinds.Register(kind);
        return kind;
    }

    /// <summary>Texts of 2 to 10 words of the fixture's vocabulary, one per line.</summary>
    static string WriteTask(string dir, int seed = 0)
    {
        var rng = new Random(seed);
        string Text() => string.Join(' ', Enumerable.Range(0, rng.Next(2, 11)).Select(_ => $"w{rng.Next(100, 200)}"));
        Directory.CreateDirectory(dir);
        File.WriteAllLines(Path.Combine(dir, "train.length"), Enumerable.Range(0, 160).Select(_ => Text()));
        File.WriteAllLines(Path.Combine(dir, "dev.length"), Enumerable.Range(0, 40).Select(_ => Text()));
        return dir;
    }

    [Fact]
    public void A_kind_registered_here_is_detected_and_fine_tuned_through_the_one_entry_point()
    {
        using var dir = new TestPaths.TempDir();
        string task = WriteTask(dir["lengths"]);
        Assert.Same(LengthKind, TaskKinds.Detect(task));
        Assert.Equal("classification", TaskKinds.Detect(SyntheticTasks.Sequence(dir["tsv"], train: 8, dev: 4)).Name);
        Assert.Contains("already registered", Assert.Throws<ArgumentException>(() => TaskKinds.Register(LengthKind)).Message);

        var options = new FineTuneOptions { Epochs = 6, LearningRate = 2e-3, BatchSize = 16, MaxLength = 16, LogEvery = 0, Seed = 1 };
        var result = FineTune.Run(Discriminator, task, options, dir["out"]);
        Assert.Equal(("lengths", "length", 160), (result.Task, result.Kind, result.TrainExamples));
        Assert.Equal(new[] { "long", "short" }, result.Labels);
        var dev = Assert.IsType<LengthAccuracy>(result.Dev);
        Assert.True(dev.Accuracy > 0.75, $"dev accuracy {dev.Accuracy} (about half the texts are long)");
        Assert.True(result.Epochs[^1].TrainLoss < result.Epochs[0].TrainLoss, $"loss {result.Epochs[0].TrainLoss} → {result.Epochs[^1].TrainLoss}");
        string json = File.ReadAllText(dir["out/results.json"]);
        Assert.Contains("\"kind\": \"length\"", json);
        Assert.Contains("\"metric\": \"accuracy\"", json);

        // The folder holds the best epoch's weights: they score dev as the run did.
        using var saved = ElectraClassifier.Load(dir["out"]);
        var tokenizer = TokenizerAdapter.Create(ElectraClassifier.LoadTokenizer(dir["out"], saved.Config));
        Assert.Equal(dev, LengthTask.Accuracy(saved, LengthTask.Encode(File.ReadAllLines(Path.Combine(task, "dev.length")), tokenizer, options.MaxLength), tokenizer.PadId));

        // electra predict's entry point finds the kind by the folder (results.json's kind), reads the .length file with
        // the kind's reader and labels it with its rule: dev scores as the run did, from the folder or a loaded model.
        Assert.Same(LengthKind, Predictor.KindOf(dir["out"]));
        string devFile = Path.Combine(task, "dev.length");
        var predictOptions = new PredictionOptions { MaxLength = options.MaxLength };
        var report = Predictor.Run(dir["out"], devFile, dir["dev.predicted"], predictOptions);
        Assert.Equal((dir["dev.predicted"], 40, "texts", (TaskMetrics)dev), (report.Output, report.Count, report.Unit, report.Metrics));
        var texts = File.ReadAllLines(devFile);
        var lines = File.ReadAllLines(dir["dev.predicted"]);
        Assert.Equal(texts, lines.Select(l => l[..l.LastIndexOf('\t')]));
        Assert.All(lines, l => Assert.Contains(l[(l.LastIndexOf('\t') + 1)..], new[] { "long", "short" }));
        using (var model = TorchFineTunedEncoder.Load(dir["out"]))
            Assert.Equal(dev, Predictor.Run(model, devFile, dir["dev.again"], predictOptions).Metrics);
        Assert.Equal(lines, File.ReadAllLines(dir["dev.again"]));
    }

    [Fact]
    public void A_kind_checks_its_own_options_before_any_work_naming_them()
    {
        using var dir = new TestPaths.TempDir();
        string squad = SyntheticTasks.Squad(dir["squad"], train: 2, eval: 2);
        var noRoom = new FineTuneOptions { MaxLength = 64, QuestionAnswering = new QuestionAnsweringOptions { MaxQueryLength = 61 } };
        var e = Assert.Throws<OptionException>(() => FineTune.Run(Discriminator, squad, noRoom, dir["out"]));
        Assert.Equal("max_query_length", e.Option);
        Assert.Contains("max query length 61 leaves no room for context in windows of 64 pieces", e.Message);
        Assert.Equal("doc_stride", Assert.Throws<OptionException>(() => FineTune.Run(Discriminator, squad,
            new FineTuneOptions { QuestionAnswering = new QuestionAnsweringOptions { DocStride = 0 } }, dir["out"])).Option);
        Assert.Equal("temperature", Assert.Throws<OptionException>(() => FineTune.Run(Discriminator, SyntheticTasks.Pairs(dir["pairs"], train: 4, dev: 2),
            new FineTuneOptions { Temperature = 0 }, dir["out"])).Option);
        Assert.False(Directory.Exists(dir["out"]));

        // The same checks guard a task built in memory, and another kind does not read those options.
        Assert.Equal("max_query_length", Assert.Throws<OptionException>(() => FineTune.Run(Discriminator, SquadTask.Load(squad), noRoom, dir["out"])).Option);
        Assert.False(Directory.Exists(dir["out"]));
        FineTune.ValidateOptions(Discriminator, SyntheticTasks.Sequence(dir["tsv"], train: 8, dev: 4), noRoom with { Temperature = 0 });
    }
}
