using Electra.FineTuning;
using Electra.Modeling;
using Electra.Tasks;
using Electra.Tokenization;
using static TorchSharp.torch;

namespace Electra.Tests.FineTuning;

/// <summary>
/// A toy task kind written outside the library, as CONTRIBUTING.md's "How to add a task kind" does: a folder of
/// <c>train.length</c> and <c>dev.length</c>, one text per line, each text <c>short</c> or <c>long</c> by its number of
/// words. The kind reads the folder, encodes, collates, computes its loss, evaluates its headline metric and saves.
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
        var kind = new TaskFolderKind("length", LengthTask.IsFolder, LengthTask.Load, new FineTuneOptions());
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
    }
}
