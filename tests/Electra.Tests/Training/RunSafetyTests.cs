using System.Text.Json;
using Electra.IO;
using Electra.Interop;
using Electra.Training;

namespace Electra.Tests.Training;

/// <summary>
/// Issue 16's cases on a real Tiny run: damaged checkpoints, non-finite training, data-shaping changes on resume and
/// leftovers of interrupted writes. What the command adds (exit codes, messages, a live or killed process holding its
/// folder) is <c>RunSafetyCliTests</c> in Electra.Cli.Tests.
/// </summary>
public class RunSafetyTests
{
    static readonly string Corpus = TrainerTests.Corpus;
    static readonly PretrainingOptions Small = TrainerTests.Small with { EvalEvery = 0 };
    static readonly PipelineOptions Pipeline = TrainerTests.Pipeline;

    static PretrainingResult Run(string dir, PretrainingOptions? options = null, PipelineOptions? pipeline = null, bool resume = false, List<string>? notices = null,
        string? corpus = null) =>
        PretrainingPipeline.Run(new[] { corpus ?? Corpus }, dir, options ?? Small, pipeline ?? Pipeline, resume: resume,
            progress: new Notices(notices ?? new List<string>()));

    sealed class Notices(List<string> lines) : IProgress<TrainingProgress>
    {
        public void Report(TrainingProgress p)
        {
            if (p.Kind == ProgressKind.Notice) lines.Add(p.Message!);
        }
    }

    static byte[] Exported(string run) => File.ReadAllBytes(Path.Combine(run, "discriminator", "model.safetensors"));

    /// <summary>4 KB of random bytes in the middle of a file, as in issue 16.</summary>
    static void Scramble(string file)
    {
        var bytes = File.ReadAllBytes(file);
        var noise = new byte[Math.Min(4096, bytes.Length / 2)];
        new Random(1).NextBytes(noise);
        noise.CopyTo(bytes, bytes.Length / 2 - noise.Length / 2);
        File.WriteAllBytes(file, bytes);
    }

    [Fact]
    public void A_damaged_newest_checkpoint_is_named_and_resume_falls_back_to_the_previous_one()
    {
        using var dir = new TestPaths.TempDir();
        string run = dir["run"];
        Run(run);
        byte[] straight = Exported(run);
        string newest = Path.Combine(run, "checkpoints", Checkpoint.Name(8));
        Scramble(Path.Combine(newest, "model.safetensors"));
        Assert.Contains("model.safetensors", Checkpoint.Verify(newest));
        Assert.Null(Checkpoint.Verify(Path.Combine(run, "checkpoints", Checkpoint.Name(4))));

        var notices = new List<string>();
        var resumed = Run(run, resume: true, notices: notices);
        Assert.Contains(notices, n => n.Contains("damaged checkpoint") && n.Contains(newest) && n.Contains("SHA-256"));
        Assert.Contains(notices, n => n.Contains("resumed from") && n.Contains(Checkpoint.Name(4)));
        Assert.True(resumed.Completed);
        // Steps 5-8 retrained from the intact checkpoint: the export and the rewritten checkpoint are the uninterrupted run's.
        Assert.Equal(straight, Exported(run));
        Assert.Null(Checkpoint.Verify(newest));
    }

    [Fact]
    public void Resume_fails_clearly_when_no_checkpoint_is_intact_and_leaves_the_export_alone()
    {
        using var dir = new TestPaths.TempDir();
        string run = dir["run"];
        Run(run, Small with { KeepCheckpoints = 1 });
        byte[] export = Exported(run);
        string only = Path.Combine(run, "checkpoints", Checkpoint.Name(8));
        File.Delete(Path.Combine(only, Checkpoint.ManifestFile)); // e.g. copied without it
        var e = Assert.Throws<InvalidDataException>(() => Run(run, Small with { KeepCheckpoints = 1 }, resume: true));
        Assert.Contains("no intact checkpoint", e.Message);
        Assert.Contains(only, e.Message);
        Assert.Equal(export, Exported(run));
    }

    [Fact]
    public void Non_finite_weights_are_refused_when_loaded_and_never_checkpointed()
    {
        using var dir = new TestPaths.TempDir();
        using var model = TinyModels.Objective();
        using var optimizer = new PretrainingOptions().CreateOptimizer(model);
        var state = new TrainerState(1, Electra.Data.LoaderPosition.Start, 0, 0);
        string good = Checkpoint.Save(dir["checkpoints"], model, optimizer, state, keep: 5);
        using (TorchSharp.torch.no_grad()) model.Discriminator.Electra.Embeddings.WordEmbeddings[0, 0] = float.NaN;
        var refused = Assert.Throws<InvalidDataException>(() => Checkpoint.Save(dir["checkpoints"], model, optimizer, state with { Step = 2 }, keep: 5));
        Assert.Contains("word_embeddings", refused.Message);
        Assert.Equal(new[] { good }, Checkpoint.List(dir["checkpoints"]));

        // A checkpoint whose weights are NaN but whose manifest matches (written by hand, say) is refused at load.
        string nan = Path.Combine(dir["checkpoints"], Checkpoint.Name(3));
        CopyFolder(good, nan);
        SafeTensors.Save(Path.Combine(nan, "model.safetensors"), model.state_dict());
        RewriteManifest(nan);
        Assert.Null(Checkpoint.Verify(nan));
        using var fresh = TinyModels.Objective();
        using var freshOptimizer = new PretrainingOptions().CreateOptimizer(fresh);
        var e = Assert.Throws<InvalidDataException>(() => Checkpoint.Load(nan, fresh, freshOptimizer));
        Assert.Contains("NaN or infinite", e.Message);
    }

    static void CopyFolder(string from, string to)
    {
        Directory.CreateDirectory(to);
        foreach (string f in Directory.GetFiles(from)) File.Copy(f, Path.Combine(to, Path.GetFileName(f)));
    }

    static void RewriteManifest(string checkpoint)
    {
        var files = Directory.GetFiles(checkpoint).Where(f => Path.GetFileName(f) != Checkpoint.ManifestFile).Order(StringComparer.Ordinal)
            .ToDictionary(f => Path.GetFileName(f), f => new { bytes = new FileInfo(f).Length, sha256 = Convert.ToHexStringLower(System.Security.Cryptography.SHA256.HashData(File.ReadAllBytes(f))) });
        File.WriteAllText(Path.Combine(checkpoint, Checkpoint.ManifestFile), JsonSerializer.Serialize(new { files }));
    }

    [Fact]
    public void A_run_that_keeps_producing_non_finite_steps_stops_with_a_clear_error_and_keeps_a_finite_checkpoint()
    {
        using var dir = new TestPaths.TempDir();
        string run = dir["run"];
        // A learning rate of 1e30 throws the weights out of range after the first step; every later loss overflows.
        var options = Small with { Steps = 30, LearningRate = 1e30, WarmupSteps = 0, MaxNonFiniteSteps = 3, SaveEvery = 1, KeepCheckpoints = 2 };
        var notices = new List<string>();
        var e = Assert.Throws<NonFiniteTrainingException>(() => Run(run, options, notices: notices));
        Assert.Contains("3 consecutive steps", e.Message);
        Assert.Contains("The last checkpoint", e.Message);
        Assert.Contains(notices, n => n.Contains("non-finite"));
        var kept = Checkpoint.List(Path.Combine(run, "checkpoints"));
        Assert.NotEmpty(kept);
        Assert.All(kept, c => Assert.Null(Checkpoint.Verify(c)));
        using var model = options.CreateObjective(1000, Electra.Pretraining.SpecialTokens.Default);
        using var optimizer = options.CreateOptimizer(model);
        Checkpoint.Load(kept[^1], model, optimizer); // finite weights: loads
        Assert.False(Directory.Exists(Path.Combine(run, "discriminator")));
    }

    [Theory]
    [InlineData("seq", false)]
    [InlineData("vocab_size", false)]
    [InlineData("corpus", false)]
    [InlineData("seq", true)]
    [InlineData("vocab_size", true)]
    [InlineData("corpus", true)]
    public void Resume_refuses_a_change_of_what_shaped_the_data_before_touching_anything(string change, bool runFileLost)
    {
        using var dir = new TestPaths.TempDir();
        string run = dir["run"];
        Run(run, Small with { Steps = 4 });
        if (runFileLost) File.Delete(Path.Combine(run, RunFolder.RunFile)); // the checkpoints carry the identity
        string manifest = Path.Combine(run, "dataset", "dataset.json");
        var written = File.GetLastWriteTimeUtc(manifest);
        string? corpus = null;
        if (change == "corpus")
        {
            corpus = dir["other.txt"];
            File.WriteAllLines(corpus, File.ReadLines(Corpus).Take(3000));
        }
        var pipeline = change switch
        {
            "seq" => Pipeline with { SequenceLength = 32 },
            "vocab_size" => Pipeline with { VocabSize = 2000 },
            _ => Pipeline,
        };
        var e = Assert.Throws<InvalidOperationException>(() => Run(run, Small, pipeline, resume: true, corpus: corpus));
        Assert.Contains("cannot resume", e.Message);
        Assert.Contains(change + ":", e.Message);
        Assert.Contains(runFileLost ? Path.Combine("checkpoints", "step-00000004", "run.json") : Path.Combine(run, "run.json"), e.Message);
        Assert.Equal(written, File.GetLastWriteTimeUtc(manifest)); // the dataset was not rebuilt
    }

    [Fact]
    public void Leftovers_of_interrupted_writes_are_removed_on_resume_and_nothing_else()
    {
        using var dir = new TestPaths.TempDir();
        string run = dir["run"];
        Run(run, Small with { Steps = 4 });
        int deadPid = 999_999_0; // beyond any pid_max
        string staleCheckpoint = Path.Combine(run, "checkpoints", $".step-00000008.tmp-{deadPid}-{Guid.NewGuid():N}");
        Directory.CreateDirectory(staleCheckpoint);
        File.WriteAllText(Path.Combine(staleCheckpoint, "model.safetensors"), "half");
        string staleFile = Path.Combine(run, $".run.json.tmp-{deadPid}-{Guid.NewGuid():N}");
        File.WriteAllText(staleFile, "{");
        string staleShard = Path.Combine(run, "dataset", "train-00007.bin.tmp");
        File.WriteAllText(staleShard, "half");
        string users = Path.Combine(run, "notes.tmp");
        File.WriteAllText(users, "mine");

        Run(run, Small, resume: true);
        Assert.False(Directory.Exists(staleCheckpoint));
        Assert.False(File.Exists(staleFile));
        Assert.False(File.Exists(staleShard));
        Assert.True(File.Exists(users));
    }

    [Fact]
    public void Resume_with_nothing_to_resume_is_refused_before_anything_is_written()
    {
        using var dir = new TestPaths.TempDir();
        var e = Assert.Throws<OutputFolderException>(() => Run(dir["misspelt"], resume: true));
        Assert.Contains("holds no run to resume", e.Message);
        Assert.False(Directory.Exists(dir["misspelt"]));
    }

    [Fact]
    public void A_damaged_run_file_is_named()
    {
        using var dir = new TestPaths.TempDir();
        string run = dir["run"];
        Run(run, Small with { Steps = 2 });
        File.WriteAllText(Path.Combine(run, "run.json"), "{ \"seq\": ");
        var e = Assert.Throws<InvalidDataException>(() => Run(run, Small with { Steps = 3 }, resume: true));
        Assert.Contains(Path.Combine(run, "run.json") + " is damaged", e.Message);
    }

    [Fact]
    public void An_unavailable_device_fails_before_anything_is_written()
    {
        Electra.Native.TorchRuntime.EnsureLoaded();
        if (TorchSharp.torch.cuda.is_available()) return; // the check is for CPU-only builds
        using var dir = new TestPaths.TempDir();
        Assert.Throws<ArgumentException>(() => Run(dir["lib"], Small with { Device = "cuda" }));
        Assert.False(Directory.Exists(dir["lib"]));
    }
}
