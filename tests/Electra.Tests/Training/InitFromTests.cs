using Electra.Interop;
using Electra.Training;
using static TorchSharp.torch;

namespace Electra.Tests.Training;

/// <summary>
/// Continued pre-training from a discriminator/generator pair on disk (<c>pretrain --init-from DIR</c>), with the pairs
/// of HubLayouts/ (hub layouts of the golden fixture's weights) and the fixture's own tokenizer. A run killed with
/// SIGKILL and resumed, and the command's usage errors, are <c>InitFromCliTests</c> in Electra.Cli.Tests.
/// </summary>
public class InitFromTests
{
    static readonly string Layouts = Path.Combine(TestPaths.RepoRoot, "tests", "Electra.Tests", "HubLayouts");
    static readonly string Corpus = Path.Combine(TestPaths.Pretrain, "moby-dick.txt");

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

    /// <summary>What <c>pretrain --init-from INIT --tokenizer FIXTURE --seq 64 --save-every 2 --eval-every 0 --seed 5</c> runs, with its notices.</summary>
    static PretrainingResult Pretrain(string initFrom, string output, List<string> notes, PretrainingOptions options) =>
        PretrainingPipeline.Run(new[] { Corpus }, output, options with { InitFrom = initFrom, BatchSize = 8, SaveEvery = 2, EvalEvery = 0, Seed = 5, Device = "cpu" },
            new PipelineOptions { SequenceLength = 64, TokenizerDir = TestPaths.Fixture },
            progress: new TrainerTests.SynchronousProgress<TrainingProgress>(p => { if (p.Kind == ProgressKind.Notice && p.Message is { } m) notes.Add(m); }));

    [Fact]
    public void At_lr_0_the_pipeline_exports_exactly_what_it_loaded_untied_head_included()
    {
        using var dir = new TestPaths.TempDir();
        string init = Path.Combine(Layouts, "untied");
        var notes = new List<string>();
        Assert.True(Pretrain(init, dir["out"], notes, new PretrainingOptions { Steps = 6, LearningRate = 0 }).Completed);
        Assert.Contains(notes, n => n.Contains("initialised from"));
        Assert.Contains(notes, n => n.Contains("classifier.dense.weight")); // the extra keys are named in a warning
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
        var result = Pretrain(init, dir["out"], notes, new PretrainingOptions { Steps = 2, LearningRate = 0 });
        Assert.True(result.Completed);
        Assert.Contains(notes, n => n.Contains("generator's embeddings differ") && n.Contains("word_embeddings.weight (max |Δ| 0.5)"));
        Assert.InRange(MaxDifference(Path.Combine(Layouts, "legacy", "discriminator"), Path.Combine(dir["out"], "discriminator")), 0, 1e-6);
        using var saved = Pretrained.LoadGenerator(Path.Combine(dir["out"], "generator"));
        Assert.Equal(32, saved.Config.HiddenSize); // the folder's shape, not a preset's
    }
}
