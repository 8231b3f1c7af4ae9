using Electra.Modeling;
using Electra.Optimization;
using Electra.Pretraining;
using Electra.Training;

namespace Electra.Tests.Training;

public class PretrainingOptionsTests
{
    [Fact]
    public void Options_round_trip_through_json_and_a_partial_file_keeps_the_defaults()
    {
        using var dir = new TestPaths.TempDir();
        var options = new PretrainingOptions
        {
            Preset = ElectraPreset.Tiny, Steps = 123, MaskProbability = 0.2, Objective = ObjectiveKind.Electra,
            Electra = new ReplacedTokenDetectionOptions { DiscriminatorWeight = 30, Temperature = 0.7, Sharing = EmbeddingSharing.Gdes },
            Optimizer = new OptimizerOptions { BiasCorrection = false, WeightDecay = 0.02 },
        };
        File.WriteAllText(dir["all.json"], options.ToJson());
        Assert.Equal(options.ToJson(), PretrainingOptions.Load(dir["all.json"]).ToJson());
        Assert.Contains("\"discriminator_weight\": 30", options.ToJson());

        File.WriteAllText(dir["some.json"], """{ "preset": "TINY", "electra": { "temperature": 2 }, "steps": 5 }""");
        var some = PretrainingOptions.Load(dir["some.json"]);
        Assert.Same(ElectraPreset.Tiny, some.Preset); // names in any case
        Assert.Equal(2.0, some.Electra.Temperature);
        Assert.Equal(50.0, some.Electra.DiscriminatorWeight);
        Assert.Equal(new PretrainingOptions().SaveEvery, some.SaveEvery);
    }

    [Theory]
    [InlineData("""{ "stepz": 5 }""", "stepz")]
    [InlineData("""{ "preset": "huge" }""", "unknown preset 'huge'")]
    [InlineData("""{ "electra": { "temperature": 0 } }""", "sampling temperature")]
    [InlineData("""{ "steps": "many" }""", "steps")]
    public void A_bad_config_file_is_named_with_its_key(string json, string expected)
    {
        using var dir = new TestPaths.TempDir();
        File.WriteAllText(dir["bad.json"], json);
        var e = Assert.Throws<InvalidDataException>(() => PretrainingOptions.Load(dir["bad.json"]));
        Assert.Contains(dir["bad.json"], e.Message);
        Assert.Contains(expected, e.Message);
    }

    [Fact]
    public void The_sampling_temperature_reaches_the_objective()
    {
        var options = new PretrainingOptions { Preset = ElectraPreset.Tiny, Electra = new ReplacedTokenDetectionOptions { Temperature = 0.5 } };
        using var objective = (ReplacedTokenDetection)options.CreateObjective(100, SpecialTokens.Default);
        Assert.Equal(0.5, objective.Options.Temperature);
    }

    [Fact]
    public void Weight_decay_reaches_the_optimizer_and_decays_matrices_only()
    {
        // With no gradient, one step changes a weight only through the decoupled decay: w ← w·(1 − lr·wd).
        double Shrink(double weightDecay, string name)
        {
            using var model = TinyModels.Objective();
            var options = new PretrainingOptions { Optimizer = new OptimizerOptions { WeightDecay = weightDecay }, WarmupSteps = 0, Steps = 10 };
            using var optimizer = options.CreateOptimizer(model);
            var parameter = model.named_parameters().First(p => p.name.EndsWith(name, StringComparison.Ordinal)).parameter;
            double before = parameter.abs().sum().item<float>();
            optimizer.Step(0.1).Dispose();
            return parameter.abs().sum().item<float>() / before;
        }
        Assert.Equal(1 - 0.1 * 0.5, Shrink(0.5, "query.weight"), 5);
        Assert.Equal(1.0, Shrink(0.0, "query.weight"), 6);
        Assert.Equal(1.0, Shrink(0.5, "LayerNorm.weight"), 6); // google: no decay on LayerNorm and biases
    }
}
