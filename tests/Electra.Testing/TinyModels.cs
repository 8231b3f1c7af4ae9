using Electra.Modeling;
using Electra.Pretraining;
using TorchSharp;
using static TorchSharp.torch;

namespace Electra.Testing;

/// <summary>The tiny configs every model test shares (HF's ModelTester habit): vocab 100, hidden 32, 2 layers.</summary>
public static class TinyModels
{
    public static ElectraConfig Discriminator { get; } = new()
    {
        VocabSize = 100, EmbeddingSize = 24, HiddenSize = 32, NumHiddenLayers = 2, NumAttentionHeads = 2,
        IntermediateSize = 64, MaxPositionEmbeddings = 64,
    };

    /// <summary>Half width, so both embeddings_project paths (24→32, 24→16) are exercised.</summary>
    public static ElectraConfig Generator { get; } = Discriminator with { HiddenSize = 16, NumAttentionHeads = 1, IntermediateSize = 32 };

    public static ReplacedTokenDetection Objective(int seed = 0, ReplacedTokenDetectionOptions? options = null)
    {
        torch.manual_seed(seed);
        return new ReplacedTokenDetection(Discriminator, Generator, SpecialTokens.Default, options);
    }

    /// <summary>A batch of random ids [B, T] framed by [CLS] … [SEP], the last row padded after half its length.</summary>
    public static (Tensor Ids, Tensor Mask, Tensor Types) Batch(int batch, int length, int seed = 1)
    {
        int B = batch, T = length;
        var g = new torch.Generator((ulong)seed);
        var ids = randint(5, Discriminator.VocabSize, new long[] { B, T }, generator: g);
        var mask = ones(B, T, dtype: ScalarType.Int64);
        ids[TensorIndex.Colon, 0] = tensor(SpecialTokens.Default.Cls);
        ids[TensorIndex.Colon, T - 1] = tensor(SpecialTokens.Default.Sep);
        int half = T / 2;
        ids[B - 1, half - 1] = tensor(SpecialTokens.Default.Sep);
        ids[B - 1, TensorIndex.Slice(half)] = tensor(SpecialTokens.Default.Pad);
        mask[B - 1, TensorIndex.Slice(half)] = tensor(0L);
        return (ids, mask, zeros(B, T, dtype: ScalarType.Int64));
    }
}
