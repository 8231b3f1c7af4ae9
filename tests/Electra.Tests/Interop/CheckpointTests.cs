using System.Buffers.Binary;
using Electra.Interop;
using Electra.Modeling;
using static TorchSharp.torch;

namespace Electra.Tests;

public class CheckpointTests
{
    [Fact]
    public void Save_then_load_is_bit_exact_for_both_models()
    {
        using var dir = new TestPaths.TempDir();
        using var model = TinyModels.Objective(seed: 7);
        model.Discriminator.SavePretrained(dir["disc"], tokenizerDir: TestPaths.Fixture);
        model.Generator.SavePretrained(dir["gen"]);
        Assert.True(File.Exists(Path.Combine(dir["disc"], "vocab.txt")));

        using var disc = Pretrained.LoadDiscriminator(dir["disc"]);
        using var gen = Pretrained.LoadGenerator(dir["gen"]);
        Assert.Equal(model.Discriminator.Config with { Architectures = null, Extra = null }, disc.Config with { Architectures = null, Extra = null });
        foreach (var (a, b) in new (nn.Module, nn.Module)[] { (model.Discriminator, disc), (model.Generator, gen) })
        {
            var expected = a.state_dict();
            foreach (var (name, t) in b.state_dict())
                Assert.True(t.equal(expected[name]).all().item<bool>(), $"{name} differs after the round trip");
        }
        // The loaded generator is tied again: its head is the table.
        using (no_grad()) gen.Electra.Embeddings.WordEmbeddings.add_(1);
        Assert.True(gen.state_dict()["generator_lm_head.weight"].equal(gen.Electra.Embeddings.WordEmbeddings).all().item<bool>());
    }

    [Fact]
    public void Config_round_trip_keeps_unknown_keys()
    {
        string json = File.ReadAllText(Path.Combine(TestPaths.Fixture, "discriminator", "config.json"));
        var config = ElectraConfig.FromJson(json);
        Assert.Equal(64, config.HiddenSize);
        Assert.Equal("first", config.Extra!["summary_type"].GetString());
        var again = ElectraConfig.FromJson(config.ToJson());
        Assert.Equal("first", again.Extra!["summary_type"].GetString());
        Assert.Equal(config.VocabSize, again.VocabSize);
    }

    [Theory]
    [InlineData("\"hidden_size\": 250, \"num_attention_heads\": 4", "hidden_size 250 is not a multiple of num_attention_heads 4")]
    [InlineData("\"hidden_act\": \"relu\"", "hidden_act 'relu' is not supported")]
    [InlineData("\"vocab_size\": 0", "vocab_size must be positive")]
    public void Invalid_configs_fail_with_the_field_named(string fields, string message)
    {
        var e = Assert.Throws<ArgumentException>(() => ElectraConfig.FromJson("{" + fields + "}"));
        Assert.Contains(message, e.Message);
    }

    static string CopyFixture(TestPaths.TempDir dir, string part)
    {
        string target = dir[part];
        Directory.CreateDirectory(target);
        foreach (string f in new[] { "config.json", "model.safetensors" })
            File.Copy(Path.Combine(TestPaths.Fixture, part, f), Path.Combine(target, f));
        return target;
    }

    [Fact]
    public void A_truncated_weight_file_is_reported_with_its_path()
    {
        using var dir = new TestPaths.TempDir();
        string folder = CopyFixture(dir, "discriminator");
        string file = Path.Combine(folder, "model.safetensors");
        var bytes = File.ReadAllBytes(file);
        File.WriteAllBytes(file, bytes[..(bytes.Length / 2)]);
        var e = Assert.Throws<InvalidDataException>(() => Pretrained.LoadDiscriminator(folder));
        Assert.Contains(file, e.Message);
        Assert.Contains("truncated", e.Message);
    }

    [Fact]
    public void A_corrupt_header_is_reported()
    {
        using var dir = new TestPaths.TempDir();
        string folder = CopyFixture(dir, "discriminator");
        string file = Path.Combine(folder, "model.safetensors");
        var bytes = File.ReadAllBytes(file);
        BinaryPrimitives.WriteUInt64LittleEndian(bytes, ulong.MaxValue / 2);
        File.WriteAllBytes(file, bytes);
        Assert.Contains("header length", Assert.Throws<InvalidDataException>(() => Pretrained.LoadDiscriminator(folder)).Message);
        File.WriteAllBytes(Path.Combine(folder, "model.safetensors"), new byte[] { 1, 2, 3 });
        Assert.Contains("shorter than", Assert.Throws<InvalidDataException>(() => Pretrained.LoadDiscriminator(folder)).Message);
    }

    [Fact]
    public void Missing_unexpected_and_misshapen_keys_are_all_listed_and_nothing_is_loaded()
    {
        using var dir = new TestPaths.TempDir();
        string folder = CopyFixture(dir, "discriminator");
        var tensors = SafeTensors.Load(Path.Combine(folder, "model.safetensors"));
        tensors.Remove("discriminator_predictions.dense.bias");
        tensors["extra.weight"] = zeros(2);
        tensors["electra.encoder.layer.0.intermediate.dense.weight"] = zeros(3, 3);
        SafeTensors.Save(Path.Combine(folder, "model.safetensors"), tensors);

        var config = Pretrained.ReadConfig(folder);
        using var model = new ElectraForPreTraining(config);
        var before = model.state_dict()["electra.embeddings.word_embeddings.weight"].clone();
        var e = Assert.Throws<InvalidDataException>(() => Pretrained.LoadWeights(model, folder));
        Assert.Contains("missing key discriminator_predictions.dense.bias [64]", e.Message);
        Assert.Contains("unexpected key extra.weight [2]", e.Message);
        Assert.Contains("electra.encoder.layer.0.intermediate.dense.weight: file has shape [3, 3], model expects [256, 64]", e.Message);
        Assert.True(model.state_dict()["electra.embeddings.word_embeddings.weight"].equal(before).all().item<bool>(), "a failed load changed weights");
    }

    [Fact]
    public void A_generator_folder_is_not_loaded_as_a_discriminator()
    {
        var e = Assert.Throws<InvalidDataException>(() => Pretrained.LoadDiscriminator(Path.Combine(TestPaths.Fixture, "generator")));
        Assert.Contains("ElectraForMaskedLM, not ElectraForPreTraining", e.Message);
    }

    [Fact]
    public void Missing_folder_and_missing_weights_are_named()
    {
        using var dir = new TestPaths.TempDir();
        Assert.Contains("no such model folder", Assert.Throws<DirectoryNotFoundException>(() => Pretrained.LoadDiscriminator(dir["nope"])).Message);
        Directory.CreateDirectory(dir["empty"]);
        File.Copy(Path.Combine(TestPaths.Fixture, "discriminator", "config.json"), Path.Combine(dir["empty"], "config.json"));
        Assert.Contains("no model.safetensors or pytorch_model.bin", Assert.Throws<FileNotFoundException>(() => Pretrained.LoadDiscriminator(dir["empty"])).Message);
        File.WriteAllText(Path.Combine(dir["empty"], "pytorch_model.bin"), "not a pickle");
        Assert.Contains("not a readable PyTorch state_dict", Assert.Throws<InvalidDataException>(() => Pretrained.LoadDiscriminator(dir["empty"])).Message);
    }
}
