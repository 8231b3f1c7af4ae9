using Electra.Modeling;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace Electra.FineTuning;

/// <summary>
/// HF's <c>ElectraClassificationHead</c> (keys <c>classifier.dense</c>, <c>classifier.out_proj</c>): the [CLS] hidden
/// state through dropout, dense H → H, GELU, dropout, out_proj H → C. google-research/electra's head has no hidden
/// dense layer; we follow HF so fine-tuned folders load there unchanged. [B, T, H] → [B, C].
/// </summary>
internal sealed class ElectraClassificationHead : nn.Module<Tensor, Tensor>
{
    readonly Linear dense;
    readonly Dropout dropout;
    readonly Linear out_proj;

    /// <summary>Dropout is <c>classifier_dropout</c>, or <c>hidden_dropout_prob</c> when that is null (HF).</summary>
    public ElectraClassificationHead(ElectraConfig config, int numLabels) : base("classifier")
    {
        dense = nn.Linear(config.HiddenSize, config.HiddenSize);
        dropout = nn.Dropout(config.ClassifierDropout ?? config.HiddenDropoutProb);
        out_proj = nn.Linear(config.HiddenSize, numLabels);
        RegisterComponents();
    }

    /// <summary>Hidden states [B, T, H] → logits [B, C] from position 0 ([CLS]).</summary>
    public override Tensor forward(Tensor hidden)
    {
        using var scope = NewDisposeScope();
        var x = dropout.call(hidden.select(1, 0)); // [B, H] the [CLS] state
        x = dropout.call(nn.functional.gelu(dense.Apply(x)));
        return out_proj.Apply(x).MoveToOuterDisposeScope();
    }
}
