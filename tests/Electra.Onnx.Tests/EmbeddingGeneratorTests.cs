using Electra.FineTuning;
using Electra.Modeling;
using Electra.Onnx;
using Electra.Onnx.Export;
using Electra.Retrieval;
using Microsoft.Extensions.AI;

namespace Electra.Tests.Onnx;

/// <summary>
/// Microsoft.Extensions.AI on both sides: a sentence-embedding folder exported to ONNX gives, through
/// <see cref="IEmbeddingGenerator{TInput, TEmbedding}"/>, the vectors the TorchSharp <see cref="SentenceEncoder"/> gives
/// (and <c>electra embed</c>: OnnxCliTests in Electra.Cli.Tests); and the ONNX cross-encoder re-ranks as the TorchSharp
/// one scores.
/// </summary>
public class EmbeddingGeneratorTests
{
    static readonly string[] Texts = OnnxHeads.Texts;

    /// <summary>A bi-encoder folder (the fixture's encoder saved as <c>ElectraModel</c> with a pooling and normalisation) and its ONNX export.</summary>
    static (string Folder, string Onnx) Export(TestPaths.TempDir dir, Pooling pooling, bool normalize)
    {
        using (var encoder = SentenceEncoder.Load(OnnxHeads.FixtureDiscriminator, pooling, normalize))
            encoder.Save(dir["bi"], OnnxHeads.FixtureDiscriminator);
        OnnxExport.Export(dir["bi"], dir["bi-onnx"]);
        return (dir["bi"], dir["bi-onnx"]);
    }

    static void AssertClose(IReadOnlyList<float[]> expected, IReadOnlyList<float[]> actual)
    {
        Assert.Equal(expected.Count, actual.Count);
        for (int i = 0; i < expected.Count; i++)
        {
            Assert.Equal(expected[i].Length, actual[i].Length);
            for (int j = 0; j < expected[i].Length; j++) Assert.True(Math.Abs(expected[i][j] - actual[i][j]) < 2e-5, $"text {i} dim {j}: {expected[i][j]} vs {actual[i][j]}");
        }
    }

    [Theory]
    [InlineData(Pooling.Mean, true)]
    [InlineData(Pooling.Cls, false)]
    public async Task Onnx_and_TorchSharp_generators_give_the_folders_pooling_and_normalisation(Pooling pooling, bool normalize)
    {
        using var dir = new TestPaths.TempDir();
        var (folder, onnx) = Export(dir, pooling, normalize);
        using IEmbeddingGenerator<string, Embedding<float>> fromOnnx = ElectraOnnxModel.Load(onnx, new OnnxModelOptions { BatchSize = 2 });
        using IEmbeddingGenerator<string, Embedding<float>> fromTorch = SentenceEncoder.Load(folder);
        Assert.Equal(normalize, ((SentenceEncoder)fromTorch).Normalize);
        var onnxVectors = (await fromOnnx.GenerateAsync(Texts)).Select(e => e.Vector.ToArray()).ToList();
        var torchVectors = (await fromTorch.GenerateAsync(Texts)).Select(e => e.Vector.ToArray()).ToList();
        using (var reference = SentenceEncoder.Load(folder))
            AssertClose(reference.Embed(Texts, normalize, maxLength: SentenceEncoder.DefaultMaxLength), torchVectors);
        AssertClose(torchVectors, onnxVectors);
        Assert.All(onnxVectors, v => Assert.Equal(normalize, Math.Abs(Math.Sqrt(v.Sum(x => (double)x * x)) - 1) < 1e-5));
        Assert.Equal(SentenceEncoder.DefaultMaxLength, ElectraOnnxModel.DefaultEmbeddingMaxLength);
        Assert.Equal(64, fromOnnx.GetService<ElectraOnnxModel>()!.Embed(["a"])[0].Length);
        Assert.NotNull(fromTorch.GetService<EmbeddingGeneratorMetadata>());
    }

    [Fact]
    public void Onnx_rerank_sorts_by_the_TorchSharp_cross_encoders_scores()
    {
        using var dir = new TestPaths.TempDir();
        TorchSharp.torch.manual_seed(7);
        var (model, _) = ElectraClassifier.FromPretrained(OnnxHeads.FixtureDiscriminator, TaskKind.Sequence, new LabelSet(["0", "1"]));
        using (model)
        {
            OnnxHeads.ScaleHead(model);
            model.Save(dir["cross"], OnnxHeads.FixtureDiscriminator);
        }
        OnnxExport.Export(dir["cross"], dir["cross-onnx"]);
        string query = "where was the man ?";
        var cross = CrossEncoder.Load(dir["cross"]);
        double[] expected;
        using (cross.Model) expected = cross.Score(query, Texts);
        using var onnx = ElectraOnnxModel.Load(dir["cross-onnx"]);
        var ranked = onnx.Rerank(query, Texts);
        Assert.Equal(Enumerable.Range(0, Texts.Length).OrderByDescending(i => expected[i]), ranked.Select(p => p.Index));
        Assert.All(ranked, p => Assert.Equal(expected[p.Index], p.Score, 4));
        Assert.Equal(Texts[ranked[0].Index], ranked[0].Passage);
        using var embedder = ElectraOnnxModel.Load(dir["cross-onnx"]);
        Assert.Throws<InvalidOperationException>(() => embedder.Embed(Texts));
    }
}
