using Electra.FineTuning;
using Electra.Modeling;
using Electra.Retrieval;
using static TorchSharp.torch;
using Electra.Tasks;

namespace Electra.Tests.Retrieval;

public class SentenceEncoderTests
{
    static string Discriminator => Path.Combine(TestPaths.Fixture, "discriminator");

    [Fact]
    public void Mean_pooling_ignores_padding_and_cls_pooling_is_position_zero()
    {
        var hidden = tensor(new float[] { 1, 2, 3, 4, 100, 100, 5, 6, 7, 8, 9, 10 }, new long[] { 2, 3, 2 }); // [B=2, T=3, H=2]
        var mask = tensor(new long[] { 1, 1, 0, 1, 1, 1 }, new long[] { 2, 3 });
        Assert.Equal(new float[] { 2, 3, 7, 8 }, SentenceEncoder.Pool(hidden, mask, Pooling.Mean).data<float>().ToArray());
        Assert.Equal(new float[] { 1, 2, 5, 6 }, SentenceEncoder.Pool(hidden, mask, Pooling.Cls).data<float>().ToArray());
    }

    [Fact]
    public void A_text_embeds_the_same_alone_and_in_a_padded_batch_and_normalised_vectors_have_unit_norm()
    {
        using var encoder = SentenceEncoder.Load(Discriminator);
        Assert.Equal(Pooling.Mean, encoder.Pooling);
        var alone = encoder.Embed(new[] { "w100 w101" });
        var batch = encoder.Embed(new[] { "w100 w101", "w102 w103 w104 w105 w106 w107 w108" }, normalize: true);
        var unit = alone[0].Select(v => v / Math.Sqrt(alone[0].Sum(x => (double)x * x))).ToArray();
        Assert.All(unit.Zip(batch[0]), p => Assert.Equal(p.First, p.Second, 4));
        Assert.Equal(1, Math.Sqrt(batch[1].Sum(x => (double)x * x)), 4);
        Assert.Equal(64, alone[0].Length);
    }

    [Fact]
    public void A_bi_encoder_learns_the_pairs_and_its_folder_loads_back()
    {
        using var dir = new TestPaths.TempDir();
        string task = SyntheticTasks.Pairs(dir["task"]);
        Assert.True(BiEncoderTask.IsFolder(task));
        var options = new FineTuneOptions { Epochs = 8, LearningRate = 3e-3, LayerDecay = 1, BatchSize = 16, MaxLength = 16, LogEvery = 0 };
        var dev = RetrievalFiles.ReadPairs(Path.Combine(task, "dev.tsv"));
        double before;
        using (var untrained = SentenceEncoder.Load(Discriminator)) before = BiEncoderTask.Evaluate(untrained, dev, 16).MrrAt10;

        var result = FineTune.Run(Discriminator, task, options, dir["out"]);
        Assert.Equal("retrieval", result.Kind);
        var metrics = Assert.IsType<RetrievalMetrics>(result.Dev);
        Assert.True(metrics.MrrAt10 > before + 0.3 && metrics.MrrAt10 > 0.6, $"dev {metrics} (before training MRR@10 {before:F4})");
        Assert.True(result.Epochs[^1].TrainLoss < result.Epochs[0].TrainLoss);
        Assert.Contains("\"metric\": \"mrr_at_10\"", File.ReadAllText(dir["out/results.json"]));
        Assert.Equal(new[] { "ElectraModel" }, Electra.Interop.Pretrained.ReadConfig(dir["out"]).Architectures);
        Assert.Contains("\"pooling_mode_mean_tokens\": true", File.ReadAllText(dir["out/1_Pooling/config.json"]));
        Assert.True(File.Exists(dir["out/modules.json"]));

        using var saved = SentenceEncoder.Load(dir["out"]);
        Assert.Equal(metrics, BiEncoderTask.Evaluate(saved, dev, 16));
    }

    [Fact]
    public void A_saved_encoder_keeps_its_pooling_and_weights()
    {
        using var dir = new TestPaths.TempDir();
        using var encoder = SentenceEncoder.Load(Discriminator, Pooling.Cls);
        encoder.Save(dir["out"], Discriminator);
        Assert.Contains("\"pooling_mode_cls_token\": true", File.ReadAllText(dir["out/1_Pooling/config.json"]));
        using var saved = SentenceEncoder.Load(dir["out"]);
        Assert.Equal(Pooling.Cls, saved.Pooling);
        Assert.Equal(encoder.Embed(new[] { "w100 w150" })[0], saved.Embed(new[] { "w100 w150" })[0]);
        using var mean = SentenceEncoder.Load(dir["out"], Pooling.Mean);
        Assert.NotEqual(encoder.Embed(new[] { "w100 w150" })[0], mean.Embed(new[] { "w100 w150" })[0]);
    }
}
