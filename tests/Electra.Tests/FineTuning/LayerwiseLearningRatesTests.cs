using Electra.FineTuning;

namespace Electra.Tests.FineTuning;

public class LayerwiseLearningRatesTests
{
    [Fact]
    public void Groups_follow_googles_depths_and_multipliers()
    {
        // Tiny: 2 layers, E 24 ≠ H 32 so embeddings_project exists; decay 0.8 → head 1, layer_1 0.8², layer_0 0.8³, embeddings 0.8⁴.
        using var model = new ElectraForSequenceClassification(TinyModels.Discriminator, new LabelSet(new[] { "x", "y" }));
        var groups = LayerwiseLearningRates.Groups(model, layerDecay: 0.8, weightDecay: 0.01);
        var expected = new (string Name, double Scale, double Decay, int Count)[]
        {
            ("embeddings.decay", 0.4096, 0.01, 4),   // word, position, type tables + embeddings_project.weight
            ("embeddings.no_decay", 0.4096, 0, 3),   // LayerNorm weight/bias + embeddings_project.bias
            ("layer_0.decay", 0.512, 0.01, 6),       // query, key, value, attention output, intermediate, output
            ("layer_0.no_decay", 0.512, 0, 10),      // their 6 biases + 2 LayerNorms
            ("layer_1.decay", 0.64, 0.01, 6),
            ("layer_1.no_decay", 0.64, 0, 10),
            ("head.decay", 1.0, 0.01, 2),            // classifier.dense, classifier.out_proj
            ("head.no_decay", 1.0, 0, 2),
        };
        Assert.Equal(expected.Select(e => e.Name), groups.Select(g => g.Name));
        for (int i = 0; i < expected.Length; i++)
        {
            Assert.Equal(expected[i].Scale, groups[i].RateScale, 12);
            Assert.Equal(expected[i].Decay, groups[i].WeightDecay);
            Assert.Equal(expected[i].Count, groups[i].Parameters.Count);
        }
        Assert.Equal(model.parameters().Count(), groups.Sum(g => g.Parameters.Count));
    }

    [Theory]
    [InlineData("electra.embeddings.word_embeddings.weight", 0)]
    [InlineData("electra.embeddings_project.bias", 0)]
    [InlineData("electra.encoder.layer.0.attention.self.query.weight", 1)]
    [InlineData("electra.encoder.layer.11.output.LayerNorm.bias", 12)]
    [InlineData("classifier.out_proj.weight", 14)]
    [InlineData("classifier.weight", 14)]
    public void Depth_of_each_parameter_name(string name, int depth) => Assert.Equal(depth, LayerwiseLearningRates.Depth(name, 12));

    [Fact]
    public void A_parameter_outside_the_known_layout_is_an_error() =>
        Assert.Contains("has no depth", Assert.Throws<ArgumentException>(() => LayerwiseLearningRates.Depth("discriminator_predictions.dense.weight", 12)).Message);
}
