using Electra.Adaptation;
using Electra.Interop;
using Electra.Modeling;
using Electra.Pretraining;
using Electra.Tokenization;
using Electra.Training;
using static TorchSharp.torch;

namespace Electra.Tests.Training;

/// <summary>
/// Extending a pair's vocabulary for a new domain (<c>electra vocab extend</c>, <c>pretrain --init-from --extend-vocab</c>)
/// on the hub layouts of the golden fixture (HubLayouts/), the fixture itself, and a pair <c>pretrain</c> wrote: old ids
/// keep their rows bit for bit and their tokenization, new rows are the mean of the old pieces', and at --lr 0 the
/// exported pair gives the starting logits. What the commands add (exit codes, their output, a run killed with SIGKILL
/// and resumed) is <c>VocabularyExtensionCliTests</c> in Electra.Cli.Tests.
/// </summary>
public class VocabularyExtensionTests
{
    static readonly string Layouts = Path.Combine(TestPaths.RepoRoot, "tests", "Electra.Tests", "HubLayouts");
    static string WriteLines(string path, params string[] lines)
    {
        File.WriteAllLines(path, lines);
        return path;
    }

    static Dictionary<string, Tensor> State(nn.Module model) => model.state_dict().ToDictionary(kv => kv.Key, kv => kv.Value);

    /// <summary>
    /// The contract on one model folder: every tensor as in <paramref name="start"/>, tables indexed by token id holding
    /// the starting rows bit for bit (within <paramref name="tolerance"/> when the pair went through GDES's sum and
    /// difference) and then, for each new token, the mean of the rows of the pieces <paramref name="old"/> cut it into.
    /// </summary>
    static void AssertGrown(nn.Module start, nn.Module extended, WordPieceTokenizer old, WordPieceTokenizer extendedTokenizer, double tolerance = 0)
    {
        var before = State(start);
        int grownTables = 0;
        foreach (var (name, t) in State(extended))
        {
            var s = before[name];
            if (s.shape.SequenceEqual(t.shape))
            {
                Assert.True((t - s).abs().max().item<float>() <= tolerance, $"{name} changed");
                continue;
            }
            grownTables++;
            Assert.Equal(old.VocabSize, s.shape[0]);
            Assert.Equal(extendedTokenizer.VocabSize, t.shape[0]);
            Assert.True((t.narrow(0, 0, old.VocabSize) - s).abs().max().item<float>() <= tolerance, $"{name}: old rows changed");
            for (int id = old.VocabSize; id < extendedTokenizer.VocabSize; id++)
            {
                string token = extendedTokenizer.IdToToken(id);
                var pieces = extendedTokenizer.Options.NeverSplit.Contains(token) ? old.TokenizeToIds(token) : old.CutPiece(token);
                var expected = s.index_select(0, tensor(pieces.Select(p => (long)p).ToArray())).mean([0]);
                Assert.True((t[id] - expected).abs().max().item<float>() <= Math.Max(tolerance, 0), $"{name}: row {id} ({token}) is not the mean of its old pieces' rows");
            }
        }
        Assert.True(grownTables > 0, "no table grew");
    }

    /// <summary>
    /// The contract on an extended pair <paramref name="output"/> of the pair <paramref name="start"/> whose vocabulary is
    /// <paramref name="startVocabulary"/>'s: <c>discriminator/vocab.txt</c> starts with the starting lines in order, and
    /// the model folders (<paramref name="parts"/>, both by default) hold the starting tensors with the new rows after the
    /// old ones (<see cref="AssertGrown"/>).
    /// </summary>
    static void AssertExtendedPair(string start, string startVocabulary, string output, double tolerance = 0, string[]? parts = null)
    {
        var old = WordPieceTokenizer.Load(startVocabulary);
        var extended = WordPieceTokenizer.Load(Path.Combine(output, "discriminator"));
        Assert.Equal(File.ReadAllLines(Path.Combine(startVocabulary, "vocab.txt")), File.ReadAllLines(Path.Combine(output, "discriminator", "vocab.txt")).Take(old.VocabSize));
        Assert.True(extended.VocabSize > old.VocabSize, "nothing was added");
        foreach (string part in parts ?? ["discriminator", "generator"])
        {
            using nn.Module before = part == "discriminator" ? Pretrained.LoadDiscriminator(Path.Combine(start, part), _ => { }) : Pretrained.LoadGenerator(Path.Combine(start, part), _ => { });
            using nn.Module after = part == "discriminator" ? Pretrained.LoadDiscriminator(Path.Combine(output, part)) : Pretrained.LoadGenerator(Path.Combine(output, part));
            AssertGrown(before, after, old, extended, tolerance);
        }
    }

    [Fact]
    public void Extension_appends_frequent_new_pieces_and_tokenizes_text_without_them_as_before()
    {
        using var dir = new TestPaths.TempDir();
        var sentences = File.ReadAllLines(DomainCorpus.Write(dir["corpus"])).Where(l => l.Length > 0).ToArray();
        var old = WordPieceTokenizer.Load(TestPaths.Fixture);
        var (extended, added) = VocabularyExtension.Extend(old, () => sentences, 12, ["<dose>"]);

        Assert.Equal(old.Vocabulary, extended.Vocabulary.Take(old.VocabSize));
        Assert.Equal(13, added.Count);
        Assert.Equal(Enumerable.Range(old.VocabSize, 13), added.Select(a => a.Id));
        Assert.All(added, a => Assert.False(old.TryGetId(a.Token, out _)));
        var counts = added.Where(a => !a.NeverSplit).Select(a => a.Count).ToArray();
        Assert.Equal(counts.OrderByDescending(c => c), counts); // most frequent first
        Assert.True(added[^1].NeverSplit && added[^1].Token == "<dose>");

        int oldPieces = sentences.Sum(s => old.TokenizeToIds(s).Length), newPieces = sentences.Sum(s => extended.TokenizeToIds(s).Length);
        Assert.True(newPieces < oldPieces * 0.8, $"the domain text was not cut into fewer pieces ({oldPieces} → {newPieces})");
        Assert.Single(extended.TokenizeToIds("a<dose>b"), id => id == added[^1].Id);

        // Any text the new pieces do not occur in tokenizes exactly as before (the fixture's words are w0, w1, …).
        int compared = 0;
        foreach (string text in new[] { "w12 w99 w100 .", "w5 w7, w300! zq" }.Concat(File.ReadAllLines(Path.Combine(TestPaths.Pretrain, "moby-dick.txt")).Take(400)))
        {
            var ids = extended.TokenizeToIds(text);
            if (ids.Any(id => id >= old.VocabSize)) continue;
            Assert.Equal(old.TokenizeToIds(text), ids);
            compared++;
        }
        Assert.True(compared >= 20, $"only {compared} texts without new pieces were compared");
    }

    [Fact]
    public void A_malformed_add_tokens_file_is_named_by_line_before_any_work()
    {
        using var dir = new TestPaths.TempDir();
        var old = WordPieceTokenizer.Load(TestPaths.Fixture);
        var warnings = new List<string>();
        string good = WriteLines(dir["tokens.txt"], "<dose>", "", "  mg/kg ", "<dose>", "[MASK]");
        Assert.Equal(["<dose>", "mg/kg"], VocabularyExtension.ReadAddedTokens(good, old, warnings.Add));
        Assert.Contains(warnings, w => w.Contains("tokens.txt:4:") && w.Contains("repeats line 1"));
        Assert.Contains(warnings, w => w.Contains("tokens.txt:5:") && w.Contains("already in the vocabulary"));

        string bad = WriteLines(dir["bad.txt"], "<dose>", "heart rate");
        var e = Assert.Throws<InvalidDataException>(() => VocabularyExtension.ReadAddedTokens(bad, old, warnings.Add));
        Assert.Contains("bad.txt:2:", e.Message);
        Assert.Contains("whitespace", e.Message);
    }

    [Theory]
    [InlineData("untied")]
    [InlineData("legacy")]
    [InlineData("half")]
    public void Vocab_extend_and_pretrain_at_lr_0_grow_hub_layouts_into_folders_hf_and_our_loader_read(string layout)
    {
        using var dir = new TestPaths.TempDir();
        string init = Path.Combine(Layouts, layout);
        string corpus = DomainCorpus.Write(dir["corpus"]);
        // What `electra vocab extend` writes (its refusal of a folder of the user's files: OutputFolderTests in Electra.Cli.Tests).
        var pair = PairVocabulary.Extend(init, TestPaths.Fixture, [corpus], 10, WriteLines(dir["tokens.txt"], "<dose>"), dir["out"]);

        var extended = WordPieceTokenizer.Load(dir["out"]);
        Assert.Equal(extended.VocabSize, pair.VocabSize);
        Assert.Equal(["<dose>"], extended.Options.NeverSplit);
        Assert.Contains("\"never_split\"", File.ReadAllText(Path.Combine(dir["out"], "generator", "tokenizer_config.json")));
        foreach (string part in new[] { "discriminator", "generator" })
            Assert.Equal(extended.VocabSize, Pretrained.ReadConfig(Path.Combine(dir["out"], part)).VocabSize);
        AssertExtendedPair(init, TestPaths.Fixture, dir["out"]);

        // The contract of `pretrain --extend-vocab`: at --lr 0 OUT/discriminator is the extended, untrained one. (The
        // generator shares the discriminator's tables, which in `half` are the fp16 ones, not its own fp32 copy.)
        var trained = PretrainingPipeline.Run([corpus], dir["trained"], new PretrainingOptions
        {
            InitFrom = init, ExtendVocab = 10, LearningRate = 0, Steps = 1, BatchSize = 8, EvalEvery = 0, Seed = 5, Device = "cpu",
            Pipeline = new PipelineOptions { SequenceLength = 32, TokenizerDir = TestPaths.Fixture },
        });
        Assert.True(trained.Completed);
        AssertExtendedPair(init, TestPaths.Fixture, dir["trained"], parts: ["discriminator"]);
    }

    /// <summary>Eval-mode discriminator logits of <paramref name="dir"/> on ids every vocabulary holds.</summary>
    static float[] Logits(string dir)
    {
        using var model = Pretrained.LoadDiscriminator(dir, _ => { });
        model.eval();
        using var noGrad = no_grad();
        var ids = tensor(new long[] { 2, 10, 31, 57, 88, 120, 151, 199, 230, 287, 3 }).unsqueeze(0); // below the smallest vocabulary here (300)
        return model.call(ids, ones_like(ids), zeros_like(ids)).data<float>().ToArray();
    }

    static void AssertSameLogits(string expected, string actual)
    {
        var (e, a) = (Logits(expected), Logits(actual));
        Assert.Equal(e.Length, a.Length);
        Assert.InRange(e.Zip(a).Max(p => Math.Abs(p.First - p.Second)), 0, 1e-6);
    }

    [Fact]
    public void Pretrain_extends_the_fixture_pair_and_at_lr_0_keeps_its_logits()
    {
        using var dir = new TestPaths.TempDir();
        var log = new List<string>();
        var result = PretrainingPipeline.Run([DomainCorpus.Write(dir["corpus"])], dir["frozen"], new PretrainingOptions
        {
            InitFrom = TestPaths.Fixture, ExtendVocab = 10, LearningRate = 0, Steps = 6, BatchSize = 8, SaveEvery = 2, EvalEvery = 0, Seed = 5, Device = "cpu",
            Pipeline = new PipelineOptions { SequenceLength = 32 },
        }, log: new TrainerTests.SynchronousProgress<string>(log.Add));
        Assert.True(result.Completed);
        Assert.Contains(log, l => l.Contains("extended vocabulary: 1024 + 10"));
        AssertExtendedPair(TestPaths.Fixture, Path.Combine(TestPaths.Fixture, "discriminator"), dir["frozen"]);
        AssertSameLogits(Path.Combine(TestPaths.Fixture, "discriminator"), Path.Combine(dir["frozen"], "discriminator"));
    }

    [Theory]
    [InlineData(EmbeddingSharing.Shared)]
    [InlineData(EmbeddingSharing.None)]
    [InlineData(EmbeddingSharing.Gdes)]
    public void A_pair_pretrain_wrote_extends_consistently_with_every_embedding_sharing(EmbeddingSharing mode)
    {
        using var dir = new TestPaths.TempDir();
        string corpus = DomainCorpus.Write(dir["corpus"]);
        string moby = Path.Combine(TestPaths.Pretrain, "moby-dick.txt");
        var common = new PretrainingOptions
        {
            Steps = 2, BatchSize = 8, SaveEvery = 2, EvalEvery = 0, Seed = 3, Device = "cpu", Electra = new ReplacedTokenDetectionOptions { Sharing = mode },
            Pipeline = new PipelineOptions { SequenceLength = 32 },
        };
        Assert.True(PretrainingPipeline.Run([moby], dir["pair"], common with { Preset = ElectraPreset.Tiny, Pipeline = common.Pipeline with { VocabSize = 300 } }).Completed);
        Assert.True(PretrainingPipeline.Run([corpus], dir["out"], common with { InitFrom = dir["pair"], ExtendVocab = 12, LearningRate = 0 }).Completed);

        var old = WordPieceTokenizer.Load(Path.Combine(dir["pair"], "discriminator"));
        var extended = WordPieceTokenizer.Load(Path.Combine(dir["out"], "discriminator"));
        Assert.InRange(extended.VocabSize - old.VocabSize, 1, 12); // up to 12: the pieces a 300-token vocabulary of the domain text has that Moby-Dick's lacks
        double tolerance = mode == EmbeddingSharing.Gdes ? 1e-6 : 0; // GDES trains Δ = E_D − E_G and exports E_G + Δ
        AssertExtendedPair(dir["pair"], Path.Combine(dir["pair"], "discriminator"), dir["out"], tolerance);
        AssertSameLogits(Path.Combine(dir["pair"], "discriminator"), Path.Combine(dir["out"], "discriminator"));
    }
}
