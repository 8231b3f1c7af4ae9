using Electra.Modeling;
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
}
