using Electra.Modeling;
using static TorchSharp.torch;

namespace Electra.FineTuning;

/// <summary>
/// HF's <c>ElectraForSequenceClassification</c>: the encoder (<c>electra.*</c>) and an
/// <see cref="ElectraClassificationHead"/> (<c>classifier.*</c>) on [CLS]. Texts and text pairs → one label each, or
/// with <see cref="LabelSet.Regression"/> one number each (HF's <c>num_labels = 1</c>, <c>problem_type: "regression"</c>).
/// </summary>
public sealed class ElectraForSequenceClassification : ElectraClassifier
{
    readonly ElectraModel electra;
    readonly ElectraClassificationHead classifier;

    /// <summary>Builds a randomly initialised (google's truncated normal) classifier over <paramref name="labels"/>.</summary>
    public ElectraForSequenceClassification(ElectraConfig config, LabelSet labels) : base(nameof(ElectraForSequenceClassification), config, labels)
    {
        electra = new ElectraModel(config);
        classifier = new ElectraClassificationHead(config, labels.Count);
        RegisterComponents();
        Initialization.Apply(this, config);
    }

    /// <inheritdoc/>
    public override TaskKind Kind => Labels.IsRegression ? TaskKind.Regression : TaskKind.Sequence;

    /// <inheritdoc/>
    public override ElectraModel Electra => electra;

    /// <summary>ids/mask/types [B, T] → logits [B, C].</summary>
    public override Tensor forward(Tensor input_ids, Tensor attention_mask, Tensor token_type_ids)
    {
        using var scope = NewDisposeScope();
        return classifier.call(electra.call(input_ids, attention_mask, token_type_ids)).MoveToOuterDisposeScope();
    }
}
