using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace Electra.Modeling;

/// <summary>
/// Word + absolute position + token-type embeddings, then LayerNorm and dropout (HF <c>ElectraEmbeddings</c>).
/// ids [B, T], token types [B, T] → [B, T, E]. During pre-training the generator and the discriminator
/// hold the same instance (google-research/electra builds both under one <c>electra/embeddings</c> scope).
/// Field names are HF's state_dict keys.
/// </summary>
public sealed class ElectraEmbeddings : nn.Module<Tensor, Tensor, Tensor>
{
    readonly Embedding word_embeddings;
    readonly Embedding position_embeddings;
    readonly Embedding token_type_embeddings;
    readonly LayerNorm LayerNorm;
    readonly FastDropout dropout;

    /// <summary>Builds the tables of <paramref name="config"/>; weights are set by <see cref="Initialization"/>.</summary>
    public ElectraEmbeddings(ElectraConfig config) : base("embeddings")
    {
        word_embeddings = nn.Embedding(config.VocabSize, config.EmbeddingSize, padding_idx: config.PadTokenId);
        position_embeddings = nn.Embedding(config.MaxPositionEmbeddings, config.EmbeddingSize);
        token_type_embeddings = nn.Embedding(config.TypeVocabSize, config.EmbeddingSize);
        LayerNorm = nn.LayerNorm(config.EmbeddingSize, eps: config.LayerNormEps);
        dropout = new FastDropout(config.HiddenDropoutProb);
        RegisterComponents();
    }

    /// <summary>The word table [V, E]; the generator's LM head is tied to it.</summary>
    public Parameter WordEmbeddings => word_embeddings.weight!;

    /// <summary>ids [B, T], token types [B, T] → [B, T, E].</summary>
    public override Tensor forward(Tensor input_ids, Tensor token_type_ids)
    {
        using var scope = NewDisposeScope();
        long T = input_ids.shape[1];
        var positions = arange(T, dtype: ScalarType.Int64, device: input_ids.device).unsqueeze(0); // [1, T]
        var x = word_embeddings.call(input_ids) + position_embeddings.call(positions) + token_type_embeddings.call(token_type_ids);
        return dropout.call(LayerNorm.Apply(x)).MoveToOuterDisposeScope();
    }
}
