using System.Text.Json;
using Electra.FineTuning;
using Electra.Interop;
using Electra.Modeling;
using static TorchSharp.torch;
using static Electra.Tests.GoldenFixtureTests;

namespace Electra.Tests;

/// <summary>
/// The layouts real hub checkpoints carry (HubLayouts/, written by make_hub_layouts.py from the golden fixture's
/// weights): each loads through the one loader and reproduces the golden logits; extra keys warn, missing keys fail,
/// malformed files fail with the file named and never crash the process. (`electra logits` on a legacy pair:
/// LogitsCommandTests in Electra.Cli.Tests.)
/// </summary>
public class HubLayoutTests
{
    static readonly string Layouts = Path.Combine(TestPaths.RepoRoot, "tests", "Electra.Tests", "HubLayouts");
    static readonly JsonElement Expected = JsonDocument.Parse(File.ReadAllText(Path.Combine(Layouts, "expected.json"))).RootElement;

    [Theory]
    [InlineData("legacy")]
    [InlineData("strided")]
    [InlineData("half")]
    [InlineData("sharded")]
    [InlineData("untied")]
    public void Each_layout_reproduces_its_golden_logits(string layout)
    {
        var warnings = new List<string>();
        using var disc = Pretrained.LoadDiscriminator(Path.Combine(Layouts, layout, "discriminator"), warnings.Add);
        using var gen = Pretrained.LoadGenerator(Path.Combine(Layouts, layout, "generator"), warnings.Add);
        var spec = Expected.GetProperty(layout);
        bool golden = spec.GetProperty("reference").GetString() == "golden";
        var batches = golden ? Golden.GetProperty("batches") : spec.GetProperty("batches");
        float scale = spec.TryGetProperty("generator_scale", out var s) ? s.GetSingle() : 1;
        disc.eval();
        gen.eval();
        using var noGrad = no_grad();
        for (int i = 0; i < batches.GetArrayLength(); i++)
        {
            using var scope = NewDisposeScope();
            var input = Golden.GetProperty("batches")[i];
            var (ids, mask, types) = (Ints(input.GetProperty("input_ids")), Ints(input.GetProperty("attention_mask")), Ints(input.GetProperty("token_type_ids")));
            AssertClose(Floats(batches[i].GetProperty("discriminator_logits")), disc.call(ids, mask, types).data<float>().ToArray(), $"{layout} discriminator, batch {i}");
            var g = gen.call(ids, mask, types)[TensorIndex.Ellipsis, TensorIndex.Slice(0, 16)].contiguous().data<float>().ToArray();
            AssertClose(Floats(batches[i].GetProperty("generator_logits_first16")).Select(x => x * scale).ToArray(), g, $"{layout} generator, batch {i}");
        }
        if (spec.TryGetProperty("unexpected", out var unexpected))
        {
            Assert.Equal(2, warnings.Count); // one warning per model, listing every skipped key
            foreach (var (w, part) in warnings.Zip(new[] { "discriminator", "generator" }))
            {
                Assert.Contains(Path.Combine(Layouts, layout, part), w);
                foreach (var key in unexpected.GetProperty(part).EnumerateArray()) Assert.Contains(key.GetString()!, w);
            }
        }
        else Assert.Empty(warnings);
    }

    [Fact]
    public void Half_precision_weights_land_within_their_rounding_of_the_fp32_golden_logits()
    {
        // The exact reference is the rounded weights' logits (above); against the fp32 golden ones they differ by rounding only.
        using var disc = Pretrained.LoadDiscriminator(Path.Combine(Layouts, "half", "discriminator"));
        using var gen = Pretrained.LoadGenerator(Path.Combine(Layouts, "half", "generator"));
        Assert.Equal(ScalarType.Float32, disc.parameters().First().dtype);
        disc.eval();
        gen.eval();
        using var noGrad = no_grad();
        var batch = Golden.GetProperty("batches")[0];
        var (ids, mask, types) = (Ints(batch.GetProperty("input_ids")), Ints(batch.GetProperty("attention_mask")), Ints(batch.GetProperty("token_type_ids")));
        double Worst(float[] e, float[] a) => e.Zip(a, (x, y) => Math.Abs(x - y)).Max();
        double fp16 = Worst(Floats(batch.GetProperty("discriminator_logits")), disc.call(ids, mask, types).data<float>().ToArray());
        double bf16 = Worst(Floats(batch.GetProperty("generator_logits_first16")), gen.call(ids, mask, types)[TensorIndex.Ellipsis, TensorIndex.Slice(0, 16)].contiguous().data<float>().ToArray());
        Assert.InRange(fp16, 1e-7, 5e-3); // 11-bit mantissa
        Assert.InRange(bf16, 1e-6, 5e-2); // 8-bit mantissa
    }

    [Theory]
    [InlineData("legacy")]
    [InlineData("strided")]
    [InlineData("sharded")]
    [InlineData("untied")]
    public void Fine_tuning_takes_the_same_encoder_from_every_layout(string layout)
    {
        // finetune --model goes through ElectraClassifier.FromPretrained: the encoder must be the golden fixture's.
        var labels = new LabelSet(new[] { "a", "b" });
        var (reference, _) = ElectraClassifier.FromPretrained(Path.Combine(TestPaths.Fixture, "discriminator"), TaskKind.Sequence, labels);
        var (model, report) = ElectraClassifier.FromPretrained(Path.Combine(Layouts, layout, "discriminator"), TaskKind.Sequence, labels);
        using (reference)
        using (model)
        {
            var expected = reference.Electra.state_dict();
            foreach (var (name, t) in model.Electra.state_dict())
                Assert.True(t.equal(expected[name]).all().item<bool>(), $"{layout}: {name} differs");
            Assert.Contains("discriminator_predictions.dense.weight", report.Ignored);
        }
    }

    [Fact]
    public void An_untied_generator_without_its_head_or_table_names_the_missing_key_and_the_file()
    {
        using var dir = new TestPaths.TempDir();
        Directory.CreateDirectory(dir["gen"]);
        string bin = Path.Combine(dir["gen"], "pytorch_model.bin");
        File.Copy(Path.Combine(Layouts, "strided", "generator", "pytorch_model.bin"), bin); // holds the head's copy only
        var config = Pretrained.ReadConfig(Path.Combine(Layouts, "strided", "generator")) with { TieWordEmbeddings = false };
        File.WriteAllText(Path.Combine(dir["gen"], "config.json"), config.ToJson());
        var e = Assert.Throws<InvalidDataException>(() => Pretrained.LoadGenerator(dir["gen"]));
        Assert.Contains(bin, e.Message);
        Assert.Contains("missing key electra.embeddings.word_embeddings.weight [1024, 64]", e.Message);
    }

    [Fact]
    public void An_untied_head_is_its_own_tensor_and_a_tied_one_is_the_table()
    {
        using var untied = Pretrained.LoadGenerator(Path.Combine(Layouts, "untied", "generator"), _ => { });
        var sd = untied.state_dict();
        Assert.True(sd["generator_lm_head.weight"].equal(sd["electra.embeddings.word_embeddings.weight"] * 2).all().item<bool>());
        using var tied = Pretrained.LoadGenerator(Path.Combine(Layouts, "strided", "generator"));
        using (no_grad()) tied.Electra.Embeddings.WordEmbeddings.add_(1);
        Assert.True(tied.state_dict()["generator_lm_head.weight"].equal(tied.Electra.Embeddings.WordEmbeddings).all().item<bool>());
    }

    [Theory]
    [InlineData("truncated-legacy.bin", "truncated")]
    [InlineData("truncated-zip.bin", "")]
    [InlineData("view-past-storage.bin", "")]
    public void Malformed_files_are_an_error_naming_the_file(string name, string detail)
    {
        string path = Path.Combine(Layouts, "malformed", name);
        var e = Assert.Throws<InvalidDataException>(() => PyTorchFile.Load(path));
        Assert.Contains(path, e.Message);
        Assert.Contains(detail, e.Message);
    }

    [Theory]
    [InlineData("legacy")]
    [InlineData("strided")]
    public void Every_truncation_of_a_bin_is_an_error_not_a_crash(string layout)
    {
        using var dir = new TestPaths.TempDir();
        var bytes = File.ReadAllBytes(Path.Combine(Layouts, layout, "generator", "pytorch_model.bin"));
        string path = dir["cut.bin"];
        foreach (int length in Enumerable.Range(0, 40).Select(i => (int)((long)bytes.Length * i / 40)).Concat(new[] { bytes.Length - 1 }))
        {
            File.WriteAllBytes(path, bytes[..length]);
            var e = Assert.Throws<InvalidDataException>(() => PyTorchFile.Load(path));
            Assert.Contains(path, e.Message);
        }
    }

    [Fact]
    public void A_bin_with_a_corrupt_byte_is_an_error_or_loads_never_a_crash()
    {
        using var dir = new TestPaths.TempDir();
        var original = File.ReadAllBytes(Path.Combine(Layouts, "legacy", "generator", "pytorch_model.bin"));
        string path = dir["bad.bin"];
        var rng = new Random(13);
        for (int i = 0; i < 200; i++)
        {
            var bytes = (byte[])original.Clone();
            bytes[rng.Next(0, 6000)] ^= (byte)rng.Next(1, 256); // inside the pickles: opcodes, lengths, shapes, strides
            File.WriteAllBytes(path, bytes);
            try
            {
                foreach (var t in PyTorchFile.Load(path).Values) t.Dispose();
            }
            catch (InvalidDataException e)
            {
                Assert.Contains(path, e.Message);
            }
        }
    }

    [Fact]
    public void A_sharded_index_naming_a_missing_shard_is_named()
    {
        using var dir = new TestPaths.TempDir();
        string folder = dir["disc"];
        Directory.CreateDirectory(folder);
        foreach (string f in new[] { "config.json", "model.safetensors.index.json", "model-00001-of-00002.safetensors" })
            File.Copy(Path.Combine(Layouts, "sharded", "discriminator", f), Path.Combine(folder, f));
        var e = Assert.Throws<FileNotFoundException>(() => Pretrained.LoadDiscriminator(folder));
        Assert.Contains("model-00002-of-00002.safetensors, which is missing", e.Message);
    }

    [Fact]
    public void A_bare_encoder_checkpoint_fits_a_classifier_encoder()
    {
        // HF's prefix rule: keys without "electra." fit the encoder of a model that has the prefix.
        using var dir = new TestPaths.TempDir();
        string folder = dir["encoder"];
        Directory.CreateDirectory(folder);
        File.Copy(Path.Combine(TestPaths.Fixture, "discriminator", "config.json"), Path.Combine(folder, "config.json"));
        var tensors = StateDictLoader.ReadFolder(Path.Combine(TestPaths.Fixture, "discriminator")).Tensors;
        var bare = tensors.Where(kv => kv.Key.StartsWith("electra.")).ToDictionary(kv => kv.Key["electra.".Length..], kv => kv.Value);
        SafeTensors.Save(Path.Combine(folder, "model.safetensors"), bare);
        using var model = new ElectraModel(Pretrained.ReadConfig(folder));
        var (read, path) = StateDictLoader.ReadFolder(folder);
        Assert.Empty(StateDictLoader.Load(model, read, path));
        Assert.True(model.state_dict()["embeddings.word_embeddings.weight"].equal(tensors["electra.embeddings.word_embeddings.weight"]).all().item<bool>());
        using var disc = new ElectraForPreTraining(Pretrained.ReadConfig(folder));
        var e = Assert.Throws<InvalidDataException>(() => StateDictLoader.Load(disc, read, path));
        Assert.Contains("missing key discriminator_predictions.dense.weight", e.Message); // the head is not in a bare encoder
    }
}
