using System.Text.Json;
using Electra.IO;
using Electra.Interop;
using Electra.Modeling;
using Electra.Training;

namespace Electra.Tests.Training;

/// <summary>End-to-end pre-training on real text (the first chapters of Moby-Dick, from tests/data), small enough for CI.</summary>
public class TrainerTests
{
    internal static readonly string Corpus = Path.Combine(TestPaths.Pretrain, "moby-dick.txt");

    internal static readonly PretrainingOptions Small = new()
    {
        Preset = ElectraPreset.Tiny, Steps = 8, BatchSize = 8, SaveEvery = 4, EvalEvery = 4, LogEvery = 1, EvalBatches = 2, Seed = 3, Device = "cpu",
    };

    internal static readonly PipelineOptions Pipeline = new() { VocabSize = 1000, SequenceLength = 64 };

    static PretrainingResult Run(string dir, PretrainingOptions options, bool resume = false, CancellationToken ct = default, IProgress<TrainingProgress>? progress = null) =>
        PretrainingPipeline.Run(new[] { Corpus }, dir, options, Pipeline, progress: progress, resume: resume, cancellationToken: ct);

    static byte[] Weights(string runDir) => File.ReadAllBytes(Path.Combine(runDir, "discriminator", "model.safetensors"));

    [Fact]
    public void A_stopped_and_resumed_run_ends_bit_identical_to_an_uninterrupted_one()
    {
        using var dir = new TestPaths.TempDir();
        var straight = Run(dir["straight"], Small);
        Assert.True(straight.Completed);

        using var cancel = new CancellationTokenSource();
        var stopAt5 = new SynchronousProgress<TrainingProgress>(p => { if (p.Kind == ProgressKind.Train && p.Step == 5) cancel.Cancel(); });
        var first = Run(dir["resumed"], Small, ct: cancel.Token, progress: stopAt5);
        Assert.False(first.Completed);
        Assert.Equal(5, first.Steps);
        Assert.EndsWith("step-00000005", first.LastCheckpoint);

        var second = Run(dir["resumed"], Small, resume: true);
        Assert.True(second.Completed);
        Assert.Equal(Weights(dir["straight"]), Weights(dir["resumed"]));
        // The log holds each step once, as if the run never stopped.
        var steps = File.ReadLines(Path.Combine(dir["resumed"], "metrics.jsonl"))
            .Select(l => JsonDocument.Parse(l).RootElement).Where(e => e.GetProperty("split").GetString() == "train")
            .Select(e => e.GetProperty("step").GetInt64()).ToList();
        Assert.Equal(Enumerable.Range(1, 8).Select(i => (long)i), steps);
    }

    [Fact]
    public void Losses_fall_and_the_run_leaves_models_metrics_plot_and_checkpoints()
    {
        using var dir = new TestPaths.TempDir();
        var options = Small with { Steps = 30, BatchSize = 16, LogEvery = 5, SaveEvery = 15, EvalEvery = 15, LearningRate = 2e-3, KeepCheckpoints = 1 };
        var result = Run(dir["run"], options);
        var train = File.ReadLines(Path.Combine(dir["run"], "metrics.jsonl")).Select(l => JsonDocument.Parse(l).RootElement)
            .Where(e => e.GetProperty("split").GetString() == "train").ToList();
        double firstGen = train[0].GetProperty("gen_loss").GetDouble(), lastGen = train[^1].GetProperty("gen_loss").GetDouble();
        double firstDisc = train[0].GetProperty("disc_loss").GetDouble(), lastDisc = train[^1].GetProperty("disc_loss").GetDouble();
        // Untrained, the generator is uniform over the 1000 ids (ln 1000 = 6.91); 30 steps must move it clearly below.
        Assert.True(lastGen < firstGen - 0.2 && lastGen < Math.Log(1000) - 0.5, $"generator loss {firstGen:F3} → {lastGen:F3}");
        Assert.True(lastDisc < firstDisc, $"discriminator loss {firstDisc:F3} → {lastDisc:F3}");
        // Held-out evaluation ran: 30 steps move the generator clearly below uniform there too (the discriminator's AUC
        // is still ~0.5 this early, whatever the seed, so it is only checked to be a probability).
        var heldOut = result.Validation!;
        Assert.True(heldOut.GeneratorLoss < Math.Log(1000) - 0.5, $"held-out generator loss {heldOut.GeneratorLoss}");
        Assert.InRange(heldOut.DiscriminatorAuc!.Value, 0, 1);

        Assert.Single(Checkpoint.List(Path.Combine(dir["run"], "checkpoints"))); // keep-last 1
        Assert.False(File.Exists(Path.Combine(dir["run"], "training.png"))); // plots are the CLI's
        // The dataset records the special ids the trainer masks with.
        Assert.Equal(Electra.Tokenization.WordPieceTokenizer.Load(Path.Combine(dir["run"], "tokenizer")).MaskId,
            Electra.Data.DatasetManifest.Read(Path.Combine(dir["run"], "dataset")).MaskId);
        Assert.NotEmpty(Directory.GetFiles(Path.Combine(dir["run"], "events")));
        using var disc = Pretrained.LoadDiscriminator(Path.Combine(dir["run"], "discriminator"));
        using var gen = Pretrained.LoadGenerator(Path.Combine(dir["run"], "generator"));
        Assert.Equal(1000, disc.Config.VocabSize);
        Assert.True(File.Exists(Path.Combine(dir["run"], "discriminator", "vocab.txt")));
        Assert.True(File.Exists(Path.Combine(dir["run"], "generator", "tokenizer_config.json")));
    }

    [Fact]
    public void An_output_folder_holding_another_run_is_refused()
    {
        using var dir = new TestPaths.TempDir();
        Run(dir["run"], Small with { Steps = 2 });
        var taken = Assert.Throws<OutputFolderException>(() => Run(dir["run"], Small with { Steps = 2 }));
        Assert.Contains("--resume", taken.Message);
        var changed = Assert.Throws<InvalidOperationException>(() => Run(dir["run"], Small with { Steps = 2, Seed = 4 }, resume: true));
        Assert.Contains("seed: 3 → 4", changed.Message);
    }

    [Fact]
    public void The_mlm_baseline_trains_and_saves_an_mlm_folder()
    {
        using var dir = new TestPaths.TempDir();
        var result = Run(dir["mlm"], Small with { Steps = 3, Objective = Pretraining.ObjectiveKind.Mlm });
        Assert.Equal(new[] { Path.Combine(dir["mlm"], "mlm") }, result.ModelDirs);
        using var model = Pretrained.LoadGenerator(Path.Combine(dir["mlm"], "mlm"));
        Assert.Equal(128, model.Config.HiddenSize); // the discriminator's width: a BERT-style encoder of the same size
    }

    internal sealed class SynchronousProgress<T>(Action<T> report) : IProgress<T>
    {
        public void Report(T value) => report(value);
    }
}
