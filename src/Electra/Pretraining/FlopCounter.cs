using Electra.Modeling;

namespace Electra.Pretraining;

/// <summary>
/// Analytic matmul FLOPs (2 per multiply-add), the same count the PyTorch peer and the ELECTRA paper's
/// compute comparisons use: per layer <c>8·T·H² + 4·B·L²·H + 4·T·H·I</c> (T = B·L tokens), plus
/// <c>embeddings_project</c> and the heads. Training = 3 × forward. Embedding lookups, softmax, LayerNorm,
/// GELU and the optimizer are not counted.
/// </summary>
internal static class FlopCounter
{
    /// <summary>Forward FLOPs of the encoder stack (with embeddings_project) on B × L tokens.</summary>
    public static double Encoder(ElectraConfig c, long batch, long seqLength)
    {
        double T = batch * seqLength, H = c.HiddenSize, I = c.IntermediateSize, L = seqLength;
        double perLayer = 8 * T * H * H + 4 * batch * L * L * H + 4 * T * H * I;
        double project = c.EmbeddingSize != c.HiddenSize ? 2 * T * c.EmbeddingSize * H : 0;
        return c.NumHiddenLayers * perLayer + project;
    }

    /// <summary>Forward FLOPs of the discriminator head on every token.</summary>
    public static double DiscriminatorHead(ElectraConfig c, long tokens) => 2.0 * tokens * c.HiddenSize * c.HiddenSize + 2.0 * tokens * c.HiddenSize;

    /// <summary>Forward FLOPs of the generator head on <paramref name="predicted"/> positions.</summary>
    public static double GeneratorHead(ElectraConfig c, double predicted) =>
        2.0 * predicted * c.HiddenSize * c.EmbeddingSize + 2.0 * predicted * c.EmbeddingSize * c.VocabSize;
}
