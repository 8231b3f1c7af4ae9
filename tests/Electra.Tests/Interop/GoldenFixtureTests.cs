using System.Text.Json;
using Electra.Interop;
using Electra.Pretraining;
using static TorchSharp.torch;

namespace Electra.Tests;

/// <summary>Parity with the PyTorch implementation: the fixture's golden logits and its loss check, to 1e-4.</summary>
public class GoldenFixtureTests
{
    internal static readonly JsonElement Golden = JsonDocument.Parse(File.ReadAllText(Path.Combine(TestPaths.Fixture, "golden.json"))).RootElement;
    internal static readonly double Tolerance = Golden.GetProperty("tolerance").GetDouble();

    internal static Tensor Ints(JsonElement e) => tensor(e.EnumerateArray().SelectMany(r => r.EnumerateArray().Select(x => x.GetInt64())).ToArray(),
        new long[] { e.GetArrayLength(), e[0].GetArrayLength() });

    internal static float[] Floats(JsonElement e) => e.ValueKind == JsonValueKind.Array
        ? e.EnumerateArray().SelectMany(Floats).ToArray()
        : new[] { e.GetSingle() };

    [Theory]
    [InlineData("model.safetensors")]
    [InlineData("pytorch_model.bin")]
    public void Reproduces_golden_logits(string weights)
    {
        using var dir = new TestPaths.TempDir();
        foreach (string part in new[] { "discriminator", "generator" })
        {
            Directory.CreateDirectory(dir[part]);
            File.Copy(Path.Combine(TestPaths.Fixture, part, "config.json"), Path.Combine(dir[part], "config.json"));
            File.Copy(Path.Combine(TestPaths.Fixture, part, weights), Path.Combine(dir[part], weights));
        }
        using var disc = Pretrained.LoadDiscriminator(dir["discriminator"]);
        using var gen = Pretrained.LoadGenerator(dir["generator"]);
        disc.eval();
        gen.eval();
        using var noGrad = no_grad();
        foreach (var batch in Golden.GetProperty("batches").EnumerateArray())
        {
            using var scope = NewDisposeScope();
            var ids = Ints(batch.GetProperty("input_ids"));
            var mask = Ints(batch.GetProperty("attention_mask"));
            var types = Ints(batch.GetProperty("token_type_ids"));
            var d = disc.call(ids, mask, types).data<float>().ToArray();
            AssertClose(Floats(batch.GetProperty("discriminator_logits")), d, $"discriminator {ids.shape[0]}x{ids.shape[1]}");
            var g = gen.call(ids, mask, types)[TensorIndex.Ellipsis, TensorIndex.Slice(0, 16)].contiguous().data<float>().ToArray();
            AssertClose(Floats(batch.GetProperty("generator_logits_first16")), g, $"generator {ids.shape[0]}x{ids.shape[1]}");
        }
    }

    [Fact]
    public void Reproduces_the_loss_check()
    {
        var check = Golden.GetProperty("loss_check");
        using var scope = NewDisposeScope();
        using var disc = Pretrained.LoadDiscriminator(Path.Combine(TestPaths.Fixture, "discriminator"));
        using var gen = Pretrained.LoadGenerator(Path.Combine(TestPaths.Fixture, "generator"));
        disc.eval();
        gen.eval();
        using var noGrad = no_grad();
        var ids = Ints(check.GetProperty("input_ids"));
        var mask = Ints(check.GetProperty("attention_mask"));
        var types = Ints(check.GetProperty("token_type_ids"));
        var selected = Ints(check.GetProperty("selected"));
        var masked = MaskedBatch.FromSelection(ids, Ints(check.GetProperty("generator_input_ids")), selected, (int)selected.shape[1]);

        var hidden = gen.Electra.call(masked.InputIds, mask, types);
        var atMasked = hidden.gather(1, masked.Positions.unsqueeze(-1).expand(-1, -1, hidden.shape[2]));
        double mlm = ReplacedTokenDetection.GeneratorLoss(gen.Predict(atMasked), masked.Targets, masked.Weights).item<float>();

        var discIds = Ints(check.GetProperty("discriminator_input_ids"));
        var labels = Ints(check.GetProperty("labels")).to(ScalarType.Float32);
        Assert.True(discIds.ne(ids).to(ScalarType.Float32).eq(labels).all().item<bool>(), "fixture labels are 'differs from the original'");
        double rtd = ReplacedTokenDetection.DiscriminatorLoss(disc.call(discIds, mask, types), labels, mask.to(ScalarType.Float32)).item<float>();

        Assert.Equal(check.GetProperty("mlm_loss").GetDouble(), mlm, 4);
        Assert.Equal(check.GetProperty("disc_loss").GetDouble(), rtd, 4);
        Assert.Equal(check.GetProperty("total_loss").GetDouble(), mlm + 50 * rtd, 3);
    }

    internal static void AssertClose(float[] expected, float[] actual, string what)
    {
        Assert.Equal(expected.Length, actual.Length);
        double worst = expected.Zip(actual, (e, a) => Math.Abs(e - a)).Max();
        Assert.True(worst <= Tolerance, $"{what}: max |Δ| {worst:E2} > {Tolerance}");
    }
}
