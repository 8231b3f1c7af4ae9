using static TorchSharp.torch;

namespace Electra.Modeling;

/// <summary>The discriminator (HF <c>ElectraForPreTraining</c>): encoder plus <c>discriminator_predictions</c>.</summary>
public sealed class ElectraForPreTraining : nn.Module<Tensor, Tensor, Tensor, Tensor>
{
    readonly ElectraModel electra;
    readonly ElectraDiscriminatorPredictions discriminator_predictions;

    /// <summary>The HF architecture name (config.json's <c>architectures</c>).</summary>
    public const string Architecture = "ElectraForPreTraining";

    /// <summary>Builds and initialises a discriminator.</summary>
    public ElectraForPreTraining(ElectraConfig config) : base(Architecture)
    {
        electra = new ElectraModel(config);
        discriminator_predictions = new ElectraDiscriminatorPredictions(config);
        RegisterComponents();
        Initialization.Apply(this, config);
    }

    /// <summary>The architecture.</summary>
    public ElectraConfig Config => electra.Config;

    /// <summary>The encoder (what fine-tuning keeps).</summary>
    public ElectraModel Electra => electra;

    /// <summary>ids/mask/types [B, T] → replaced-token logits [B, T].</summary>
    public override Tensor forward(Tensor input_ids, Tensor attention_mask, Tensor token_type_ids)
    {
        using var scope = NewDisposeScope();
        return discriminator_predictions.call(electra.call(input_ids, attention_mask, token_type_ids)).MoveToOuterDisposeScope();
    }
}
