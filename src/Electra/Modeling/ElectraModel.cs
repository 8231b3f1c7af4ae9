using TorchSharp.Modules;
using static TorchSharp.torch;

namespace Electra.Modeling;

/// <summary>
/// The ELECTRA encoder (HF <c>ElectraModel</c>): embeddings, <c>embeddings_project</c> (E → H, only when
/// embedding_size ≠ hidden_size) and the layer stack. ids/mask/types [B, T] → hidden states [B, T, H].
/// Field names are HF's state_dict keys (<c>electra.embeddings.*</c>, <c>electra.encoder.layer.N.*</c>).
/// </summary>
public sealed class ElectraModel : nn.Module<Tensor, Tensor, Tensor, Tensor>
{
    readonly ElectraEmbeddings embeddings;
    readonly Linear? embeddings_project;
    readonly ElectraEncoder encoder;

    /// <summary>
    /// Additive score for masked keys: exp underflows to exactly 0, as HF's finfo.min does, without -inf's NaN risk in
    /// bf16. The one constant of every runtime: the ONNX export's attention mask uses it too.
    /// </summary>
    public const float MaskedScore = -1e30f;

    /// <summary>Builds the encoder.</summary>
    public ElectraModel(ElectraConfig config) : this(config, null) { }

    /// <summary>
    /// Builds the encoder. Pass <paramref name="sharedEmbeddings"/> to reuse another model's embeddings
    /// (the generator shares the discriminator's during pre-training).
    /// </summary>
    internal ElectraModel(ElectraConfig config, ElectraEmbeddings? sharedEmbeddings) : base("electra")
    {
        Config = config.Validate();
        embeddings = sharedEmbeddings ?? new ElectraEmbeddings(config);
        if (config.EmbeddingSize != config.HiddenSize)
            embeddings_project = nn.Linear(config.EmbeddingSize, config.HiddenSize);
        encoder = new ElectraEncoder(config);
        RegisterComponents();
    }

    /// <summary>The architecture this encoder was built from.</summary>
    public ElectraConfig Config { get; }

    /// <summary>The (possibly shared) embeddings.</summary>
    internal ElectraEmbeddings Embeddings => embeddings;

    /// <summary>The layer stack.</summary>
    internal ElectraEncoder Encoder => encoder;

    /// <summary>ids [B, T], attention mask [B, T] (1 token, 0 padding), token types [B, T] → [B, T, H].</summary>
    public override Tensor forward(Tensor input_ids, Tensor attention_mask, Tensor token_type_ids)
    {
        using var scope = NewDisposeScope();
        var x = embeddings.call(input_ids, token_type_ids); // [B, T, E]
        if (embeddings_project is not null) x = embeddings_project.Apply(x); // [B, T, H]
        var keyMask = zeros(attention_mask.shape[0], 1, 1, attention_mask.shape[1], device: x.device)
            .masked_fill(attention_mask.eq(0).view(attention_mask.shape[0], 1, 1, -1), MaskedScore); // [B, 1, 1, T]
        return encoder.call(x, keyMask).MoveToOuterDisposeScope();
    }
}
