using TorchSharp.Modules;
using static TorchSharp.torch;

namespace Electra.Modeling;

/// <summary>
/// The generator (HF <c>ElectraForMaskedLM</c>): encoder, <c>generator_predictions</c> and
/// <c>generator_lm_head</c> (E → V, with bias), whose weight is the word-embedding matrix itself unless the config
/// says <c>tie_word_embeddings: false</c>.
/// </summary>
public sealed class ElectraForMaskedLM : nn.Module<Tensor, Tensor, Tensor, Tensor>
{
    readonly ElectraModel electra;
    readonly ElectraGeneratorPredictions generator_predictions;
    readonly Linear generator_lm_head;

    /// <summary>The HF architecture name (config.json's <c>architectures</c>).</summary>
    public const string Architecture = "ElectraForMaskedLM";

    /// <summary>Builds a generator.</summary>
    public ElectraForMaskedLM(ElectraConfig config) : this(config, null) { }

    /// <summary>Builds a generator; <paramref name="sharedEmbeddings"/> ties it to a discriminator's embeddings.</summary>
    internal ElectraForMaskedLM(ElectraConfig config, ElectraEmbeddings? sharedEmbeddings) : base(Architecture)
    {
        electra = new ElectraModel(config, sharedEmbeddings);
        generator_predictions = new ElectraGeneratorPredictions(config);
        generator_lm_head = nn.Linear(config.EmbeddingSize, config.VocabSize);
        RegisterComponents();
        if (sharedEmbeddings is null) Initialization.Apply(this, config);
        else Initialization.Apply(this, config, skip: sharedEmbeddings);
        // Tie after initialisation so the head and the table are one tensor.
        if (config.TiesWordEmbeddings) generator_lm_head.weight = electra.Embeddings.WordEmbeddings;
    }

    /// <summary>The architecture.</summary>
    public ElectraConfig Config => electra.Config;

    /// <summary>The encoder.</summary>
    public ElectraModel Electra => electra;

    /// <summary>ids/mask/types [B, T] → logits [B, T, V] at every position.</summary>
    public override Tensor forward(Tensor input_ids, Tensor attention_mask, Tensor token_type_ids)
    {
        using var scope = NewDisposeScope();
        return Predict(electra.call(input_ids, attention_mask, token_type_ids)).MoveToOuterDisposeScope();
    }

    /// <summary>Hidden states [.., H] → vocabulary logits [.., V]; pre-training calls it on masked positions only.</summary>
    public Tensor Predict(Tensor hidden)
    {
        using var scope = NewDisposeScope();
        return generator_lm_head.Apply(generator_predictions.call(hidden)).MoveToOuterDisposeScope();
    }
}
