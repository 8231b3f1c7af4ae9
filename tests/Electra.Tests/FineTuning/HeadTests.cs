using System.Text.Json;
using Electra.FineTuning;
using Electra.Interop;
using TorchSharp;
using static TorchSharp.torch;

namespace Electra.Tests.FineTuning;

public class HeadTests
{
    static readonly LabelSet ThreeLabels = new(new[] { "a", "b", "c" });

    static string Part(string name) => Path.Combine(TestPaths.Fixture, name);

    static string Shape(Tensor t) => "[" + string.Join(", ", t.shape) + "]";

    /// <summary>HF's keys: the fixture discriminator's encoder tensors (written by transformers) plus the head's.</summary>
    static SortedDictionary<string, string> HfKeys(string part, params (string Key, string Shape)[] head)
    {
        var keys = new SortedDictionary<string, string>(StringComparer.Ordinal);
        foreach (var (k, t) in SafeTensors.Load(Path.Combine(Part(part), "model.safetensors")))
            if (k.StartsWith("electra.", StringComparison.Ordinal)) keys[k] = Shape(t);
        foreach (var (k, s) in head) keys[k] = s;
        return keys;
    }

    static SortedDictionary<string, string> Keys(nn.Module m) => new(m.state_dict().ToDictionary(kv => kv.Key, kv => Shape(kv.Value)), StringComparer.Ordinal);

    [Fact]
    public void Sequence_head_has_hf_keys_and_shapes()
    {
        using var model = new ElectraForSequenceClassification(Pretrained.ReadConfig(Part("discriminator")), ThreeLabels);
        Assert.Equal(HfKeys("discriminator", ("classifier.dense.weight", "[64, 64]"), ("classifier.dense.bias", "[64]"),
            ("classifier.out_proj.weight", "[3, 64]"), ("classifier.out_proj.bias", "[3]")), Keys(model));
        using var noGrad = no_grad();
        model.eval();
        var (ids, mask, types) = Batch();
        Assert.Equal(new long[] { 2, 3 }, model.call(ids, mask, types).shape);
    }

    [Fact]
    public void Token_head_has_hf_keys_and_shapes()
    {
        using var model = new ElectraForTokenClassification(Pretrained.ReadConfig(Part("generator")), ThreeLabels);
        Assert.Equal(HfKeys("generator", ("classifier.weight", "[3, 32]"), ("classifier.bias", "[3]")), Keys(model));
        Assert.Contains("electra.embeddings_project.weight", Keys(model).Keys); // the generator's E 64 → H 32
        using var noGrad = no_grad();
        model.eval();
        var (ids, mask, types) = Batch();
        Assert.Equal(new long[] { 2, 5, 3 }, model.call(ids, mask, types).shape);
    }

    static (Tensor, Tensor, Tensor) Batch() =>
        (tensor(new long[] { 2, 100, 101, 102, 3, 2, 103, 3, 0, 0 }, new long[] { 2, 5 }),
         tensor(new long[] { 1, 1, 1, 1, 1, 1, 1, 1, 0, 0 }, new long[] { 2, 5 }),
         zeros(2, 5, dtype: ScalarType.Int64));

    [Theory]
    [InlineData("discriminator", TaskKind.Sequence, "discriminator_predictions.dense.weight")]
    [InlineData("generator", TaskKind.Token, "generator_lm_head.bias")]
    public void Loading_a_pretraining_folder_takes_the_encoder_exactly_and_reports_the_rest(string part, TaskKind kind, string ignoredKey)
    {
        var source = SafeTensors.Load(Path.Combine(Part(part), "model.safetensors"));
        var (model, report) = ElectraClassifier.FromPretrained(Part(part), kind, ThreeLabels);
        using (model)
        {
            Assert.Equal(kind, model.Kind);
            var state = model.state_dict();
            Assert.Equal(state.Keys.Where(k => k.StartsWith("electra.")).Order(), report.Taken.Order());
            foreach (string key in report.Taken)
                Assert.True(state[key].equal(source[key]).all().item<bool>(), $"{key} differs from {part}");
            Assert.Contains(ignoredKey, report.Ignored);
            Assert.All(report.Ignored, k => Assert.False(k.StartsWith("electra.")));
            Assert.Equal(state.Keys.Where(k => k.StartsWith("classifier")).Order(), report.Initialized.Order());
            Assert.Contains("took " + report.Taken.Count + " encoder tensors", report.ToString());
        }
    }

    [Fact]
    public void A_missing_encoder_tensor_is_an_error_naming_it()
    {
        using var dir = new TestPaths.TempDir();
        Directory.CreateDirectory(dir["m"]);
        File.Copy(Path.Combine(Part("discriminator"), "config.json"), Path.Combine(dir["m"], "config.json"));
        var tensors = SafeTensors.Load(Path.Combine(Part("discriminator"), "model.safetensors"));
        tensors.Remove("electra.encoder.layer.1.output.dense.weight");
        SafeTensors.Save(Path.Combine(dir["m"], "model.safetensors"), tensors);
        var e = Assert.Throws<InvalidDataException>(() => ElectraClassifier.FromPretrained(dir["m"], TaskKind.Sequence, ThreeLabels));
        Assert.Contains("missing key encoder.layer.1.output.dense.weight [64, 256]", e.Message);
    }

    [Fact]
    public void Save_then_load_round_trips_weights_labels_and_logits_in_hf_layout()
    {
        using var dir = new TestPaths.TempDir();
        torch.manual_seed(5);
        using var model = ElectraClassifier.FromPretrained(Part("discriminator"), TaskKind.Token, ThreeLabels).Model;
        model.Save(dir["ft"], Part("discriminator"));
        foreach (string f in new[] { "config.json", "model.safetensors", "vocab.txt" }) Assert.True(File.Exists(Path.Combine(dir["ft"], f)), f);

        var config = JsonDocument.Parse(File.ReadAllText(Path.Combine(dir["ft"], "config.json"))).RootElement;
        Assert.Equal("ElectraForTokenClassification", config.GetProperty("architectures")[0].GetString());
        Assert.Equal("c", config.GetProperty("id2label").GetProperty("2").GetString());
        Assert.Equal(1, config.GetProperty("label2id").GetProperty("b").GetInt32());
        Assert.Equal("first", config.GetProperty("summary_type").GetString()); // unknown HF keys survive

        using var loaded = ElectraClassifier.Load(dir["ft"]);
        Assert.IsType<ElectraForTokenClassification>(loaded);
        Assert.Equal(ThreeLabels.Names, loaded.Labels.Names);
        var expected = model.state_dict();
        foreach (var (name, t) in loaded.state_dict()) Assert.True(t.equal(expected[name]).all().item<bool>(), $"{name} differs after the round trip");
        model.eval();
        loaded.eval();
        using var noGrad = no_grad();
        var (ids, mask, types) = Batch();
        Assert.True(model.call(ids, mask, types).equal(loaded.call(ids, mask, types)).all().item<bool>());
    }

    [Fact]
    public void Pretraining_folders_are_not_fine_tuned_models()
    {
        var e = Assert.Throws<InvalidDataException>(() => ElectraClassifier.Load(Part("discriminator")));
        Assert.Contains("architectures [ElectraForPreTraining] is not a fine-tuned classifier", e.Message);
    }

    [Fact]
    public void A_vocabulary_that_does_not_fit_the_model_is_refused()
    {
        using var dir = new TestPaths.TempDir();
        Directory.CreateDirectory(dir["m"]);
        File.WriteAllLines(Path.Combine(dir["m"], "vocab.txt"), File.ReadLines(Path.Combine(Part("discriminator"), "vocab.txt")).Take(500));
        var config = Pretrained.ReadConfig(Part("discriminator"));
        var e = Assert.Throws<InvalidDataException>(() => ElectraClassifier.LoadTokenizer(dir["m"], config));
        Assert.Contains("has 500 tokens but", e.Message);
        Assert.Contains("vocab_size 1024", e.Message);
    }
}
