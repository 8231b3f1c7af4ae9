using Electra.Interop;
using Electra.Training;
using static TorchSharp.torch;

namespace Electra.Tests.Training;

/// <summary>
/// Continued pre-training from a discriminator/generator pair on disk (<c>pretrain --init-from DIR</c>), with the pairs
/// of HubLayouts/ (hub layouts of the golden fixture's weights) and the fixture's own tokenizer.
/// </summary>
public class InitFromTests
{
    static readonly string Layouts = Path.Combine(TestPaths.RepoRoot, "tests", "Electra.Tests", "HubLayouts");
    static readonly string Corpus = Path.Combine(TestPaths.Pretrain, "moby-dick.txt");

    static string[] Args(string initFrom, string output, params string[] extra) => new[]
    {
        "pretrain", "--init-from", initFrom, "--tokenizer", TestPaths.Fixture, "--corpus", Corpus, "--out", output,
        "--steps", "6", "--batch", "8", "--seq", "64", "--save-every", "2", "--eval-every", "0", "--seed", "5", "--device", "cpu",
    }.Concat(extra).ToArray();

    /// <summary>Max |a − b| over every tensor of <paramref name="expected"/>, which <paramref name="actual"/> must hold with the same shape.</summary>
    static double MaxDifference(string expected, string actual, Func<string, bool>? skip = null)
    {
        var (e, _) = StateDictLoader.ReadFolder(expected);
        var (a, _) = StateDictLoader.ReadFolder(actual);
        double worst = 0;
        foreach (var (name, t) in e.Where(kv => skip?.Invoke(kv.Key) != true))
        {
            Assert.True(a.ContainsKey(name), $"{actual} lacks {name}");
            Assert.Equal(t.shape, a[name].shape);
            worst = Math.Max(worst, (t.to(ScalarType.Float32) - a[name]).abs().max().item<float>());
        }
        return worst;
    }

    [Fact]
    public void At_lr_0_the_cli_exports_exactly_what_it_loaded_untied_head_included()
    {
        using var dir = new TestPaths.TempDir();
        string init = Path.Combine(Layouts, "untied");
        var (code, stdout, stderr) = Cli.Run(Args(init, dir["out"], "--lr", "0"));
        Assert.True(code == 0, stderr + stdout);
        Assert.Contains("initialised from", stdout);
        Assert.Contains("classifier.dense.weight", stdout + stderr); // the extra keys are named in a warning
        Assert.InRange(MaxDifference(Path.Combine(init, "discriminator"), Path.Combine(dir["out"], "discriminator"), k => k.StartsWith("classifier.")), 0, 1e-6);
        Assert.InRange(MaxDifference(Path.Combine(init, "generator"), Path.Combine(dir["out"], "generator"), k => k.StartsWith("discriminator_predictions.")), 0, 1e-6);
        Assert.Contains("\"tie_word_embeddings\": false", File.ReadAllText(Path.Combine(dir["out"], "generator", "config.json")));
    }

    [Fact]
    public void The_library_continues_a_legacy_pair_and_says_when_the_generator_tables_differ()
    {
        using var dir = new TestPaths.TempDir();
        // A pair whose generator carries its own (different) word table: the discriminator's is kept, and said so.
        string init = dir["pair"];
        foreach (string part in new[] { "discriminator", "generator" })
        {
            Directory.CreateDirectory(Path.Combine(init, part));
            foreach (string f in Directory.GetFiles(Path.Combine(Layouts, "legacy", part))) File.Copy(f, Path.Combine(init, part, Path.GetFileName(f)));
        }
        var (gen, _) = StateDictLoader.ReadFolder(Path.Combine(init, "generator"));
        gen["electra.embeddings.word_embeddings.weight"].add_(0.5f);
        File.Delete(Path.Combine(init, "generator", "pytorch_model.bin"));
        SafeTensors.Save(Path.Combine(init, "generator", "model.safetensors"), gen);

        var notes = new List<string>();
        var progress = new TrainerTests.SynchronousProgress(p => { if (p.Kind == ProgressKind.Notice && p.Message is { } m) notes.Add(m); });
        var options = new PretrainingOptions { InitFrom = init, Steps = 2, BatchSize = 8, SaveEvery = 2, EvalEvery = 0, LearningRate = 0, Device = "cpu" };
        var result = PretrainingPipeline.Run(new[] { Corpus }, dir["out"], options, new PipelineOptions { SequenceLength = 64, TokenizerDir = TestPaths.Fixture },
            progress: progress);
        Assert.True(result.Completed);
        Assert.Contains(notes, n => n.Contains("generator's embeddings differ") && n.Contains("word_embeddings.weight (max |Δ| 0.5)"));
        Assert.InRange(MaxDifference(Path.Combine(Layouts, "legacy", "discriminator"), Path.Combine(dir["out"], "discriminator")), 0, 1e-6);
        using var saved = Pretrained.LoadGenerator(Path.Combine(dir["out"], "generator"));
        Assert.Equal(32, saved.Config.HiddenSize); // the folder's shape, not a preset's
    }

    [Fact]
    public void An_init_from_run_killed_with_sigkill_resumes_to_the_uninterrupted_result()
    {
        using var dir = new TestPaths.TempDir();
        string init = Path.Combine(Layouts, "strided"); // zip .bin, strided views, generator holding only the head's table
        var (code, _, stderr) = Cli.Run(Args(init, dir["straight"]));
        Assert.True(code == 0, stderr);
        Assert.True(MaxDifference(Path.Combine(init, "discriminator"), Path.Combine(dir["straight"], "discriminator")) > 1e-4, "training moved nothing");

        TrainerTests.KillAfterTwoCheckpoints(Args(init, dir["killed"]), dir["killed"]);
        (code, _, stderr) = Cli.Run(Args(init, dir["killed"], "--resume"));
        Assert.True(code == 0, stderr);
        Assert.Equal(File.ReadAllBytes(Path.Combine(dir["straight"], "discriminator", "model.safetensors")),
            File.ReadAllBytes(Path.Combine(dir["killed"], "discriminator", "model.safetensors")));
    }

    [Fact]
    public void A_folder_without_the_pair_is_a_usage_error_before_any_work()
    {
        using var dir = new TestPaths.TempDir();
        var (code, _, stderr) = Cli.Run(Args(Path.Combine(Layouts, "legacy", "discriminator"), dir["out"]));
        Assert.Equal(2, code);
        Assert.Contains("no discriminator/config.json", stderr);
        Assert.False(Directory.Exists(dir["out"]));
    }
}
