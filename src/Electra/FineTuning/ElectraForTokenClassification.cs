using Electra.Modeling;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace Electra.FineTuning;

/// <summary>
/// HF's <c>ElectraForTokenClassification</c>: the encoder (<c>electra.*</c>), dropout, and a linear <c>classifier</c>
/// H → C at every position.
/// </summary>
public sealed class ElectraForTokenClassification : ElectraClassifier
{
    readonly ElectraModel electra;
    readonly Dropout dropout;
    readonly Linear classifier;

    /// <summary>Builds a randomly initialised (google's truncated normal) tagger over <paramref name="labels"/>.</summary>
    public ElectraForTokenClassification(ElectraConfig config, LabelSet labels) : base(nameof(ElectraForTokenClassification), config, labels)
    {
        electra = new ElectraModel(config);
        dropout = nn.Dropout(config.ClassifierDropout ?? config.HiddenDropoutProb);
        classifier = nn.Linear(config.HiddenSize, labels.Count);
        RegisterComponents();
        Initialization.Apply(this, config);
    }

    /// <inheritdoc/>
    public override TaskKind Kind => TaskKind.Token;

    /// <inheritdoc/>
    public override ElectraModel Electra => electra;

    /// <summary>ids/mask/types [B, T] → logits [B, T, C].</summary>
    public override Tensor forward(Tensor input_ids, Tensor attention_mask, Tensor token_type_ids)
    {
        using var scope = NewDisposeScope();
        var hidden = electra.call(input_ids, attention_mask, token_type_ids); // [B, T, H]
        return classifier.Apply(dropout.call(hidden)).MoveToOuterDisposeScope();
    }
}
