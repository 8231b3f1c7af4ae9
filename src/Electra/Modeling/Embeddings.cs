using TorchSharp.Modules;
using static TorchSharp.torch;

namespace Electra.Modeling;

/// <summary>
/// Word + absolute position + token-type embeddings, then LayerNorm and dropout (HF <c>ElectraEmbeddings</c>).
/// ids [B, T], token types [B, T] → [B, T, E]. During pre-training the generator and the discriminator
/// hold the same instance (google-research/electra builds both under one <c>electra/embeddings</c> scope).
/// Field names are HF's state_dict keys.
/// </summary>
internal sealed class ElectraEmbeddings : nn.Module<Tensor, Tensor, Tensor>
{
    readonly Embedding word_embeddings;
    readonly Embedding position_embeddings;
    readonly Embedding token_type_embeddings;
    readonly LayerNorm LayerNorm;
    readonly FastDropout dropout;
    ElectraEmbeddings? detachedBase; // GDES: set after RegisterComponents, so it is not a submodule (no state_dict keys)

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

    /// <summary>
    /// Gradient-disentangled embedding sharing (DeBERTa-v3's GDES): from now on this module's three tables are
    /// deltas, zeroed here, added to <paramref name="source"/>'s tables with the gradient stopped. The losses through
    /// this module then train only the deltas (and this module's LayerNorm); <paramref name="source"/>'s tables are left
    /// to its own model's loss. <see cref="Absorb"/> turns the deltas into standalone tables for export.
    /// </summary>
    public void DisentangleFrom(ElectraEmbeddings source)
    {
        if (!source.WordEmbeddings.shape.SequenceEqual(WordEmbeddings.shape))
            throw new ArgumentException("GDES needs tables of the same shape (vocab_size, embedding_size) in both models");
        using (no_grad())
            foreach (var table in Tables) table.zero_();
        detachedBase = source;
    }

    /// <summary>Adds <paramref name="source"/>'s tables into this module's (no gradient): E_D = E_G + Δ, for export.</summary>
    public void Absorb(ElectraEmbeddings source)
    {
        using var noGrad = no_grad();
        foreach (var (mine, theirs) in Tables.Zip(source.Tables)) mine.add_(theirs);
    }

    /// <summary>Subtracts <paramref name="source"/>'s tables from this module's (no gradient): Δ = E_D − E_G, undoing <see cref="Absorb"/>.</summary>
    public void Separate(ElectraEmbeddings source)
    {
        using var noGrad = no_grad();
        foreach (var (mine, theirs) in Tables.Zip(source.Tables)) mine.sub_(theirs);
    }

    Parameter[] Tables => [word_embeddings.weight!, position_embeddings.weight!, token_type_embeddings.weight!];

    /// <summary>ids [B, T], token types [B, T] → [B, T, E].</summary>
    public override Tensor forward(Tensor input_ids, Tensor token_type_ids)
    {
        using var scope = NewDisposeScope();
        long T = input_ids.shape[1];
        var positions = arange(T, dtype: ScalarType.Int64, device: input_ids.device).unsqueeze(0); // [1, T]
        var x = Lookup(input_ids, positions, token_type_ids);
        if (detachedBase is not null) x = x + detachedBase.Lookup(input_ids, positions, token_type_ids).detach(); // lookups are linear in the table
        return dropout.call(LayerNorm.Apply(x)).MoveToOuterDisposeScope();
    }

    /// <summary>Word + position + token-type lookups before LayerNorm: [B, T, E].</summary>
    Tensor Lookup(Tensor ids, Tensor positions, Tensor types) =>
        word_embeddings.call(ids) + position_embeddings.call(positions) + token_type_embeddings.call(types);
}
