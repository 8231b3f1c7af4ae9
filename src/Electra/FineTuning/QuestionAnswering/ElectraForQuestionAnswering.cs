using Electra.Interop;
using Electra.Modeling;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace Electra.FineTuning.QuestionAnswering;

/// <summary>
/// HF's <c>ElectraForQuestionAnswering</c>: the encoder (<c>electra.*</c>) and a linear <c>qa_outputs</c> H → 2
/// giving every position a start and an end logit; no dropout before it, as in HF. google-research/electra's SQuAD
/// head is richer (end logits conditioned on the start, an answerability classifier); we follow HF so a fine-tuned
/// folder loads in <c>transformers</c> unchanged. ids/mask/types [B, T] → start, end logits [B, T].
/// </summary>
public sealed class ElectraForQuestionAnswering : nn.Module<Tensor, Tensor, Tensor, (Tensor Start, Tensor End)>
{
    /// <summary>HF's class name, written to <c>architectures</c>.</summary>
    public const string Architecture = nameof(ElectraForQuestionAnswering);

    readonly ElectraModel electra;
    readonly Linear qa_outputs;

    /// <summary>
    /// A randomly initialised (google's truncated normal) model of <paramref name="config"/>; a classifier's
    /// <c>id2label</c> is dropped so HF builds <c>qa_outputs</c> with its default two outputs.
    /// </summary>
    public ElectraForQuestionAnswering(ElectraConfig config) : base(Architecture)
    {
        Config = config.Validate() with { Id2Label = null, Label2Id = null };
        electra = new ElectraModel(Config);
        qa_outputs = nn.Linear(Config.HiddenSize, 2);
        RegisterComponents();
        Initialization.Apply(this, Config);
    }

    /// <summary>The architecture.</summary>
    public ElectraConfig Config { get; }

    /// <summary>The encoder (keys <c>electra.*</c>).</summary>
    public ElectraModel Electra => electra;

    /// <summary>ids/mask/types [B, T] → start and end logits, each [B, T].</summary>
    public override (Tensor Start, Tensor End) forward(Tensor input_ids, Tensor attention_mask, Tensor token_type_ids)
    {
        using var scope = NewDisposeScope();
        var logits = qa_outputs.call(electra.call(input_ids, attention_mask, token_type_ids)); // [B, T, 2]
        var start = logits.select(-1, 0).contiguous(); // [B, T]
        var end = logits.select(-1, 1).contiguous(); // [B, T]
        return (start.MoveToOuterDisposeScope(), end.MoveToOuterDisposeScope());
    }

    /// <summary>
    /// HF's loss: the mean of the start and end cross-entropies; targets are piece indices [B] (0, the [CLS], for
    /// "no answer in this window").
    /// </summary>
    public static Tensor Loss(Tensor start, Tensor end, Tensor startTargets, Tensor endTargets)
    {
        using var scope = NewDisposeScope();
        var loss = (nn.functional.cross_entropy(start, startTargets) + nn.functional.cross_entropy(end, endTargets)) / 2;
        return loss.MoveToOuterDisposeScope();
    }

    /// <summary>
    /// A model whose encoder comes from the pre-trained folder <paramref name="dir"/> (its <c>config.json</c> decides
    /// the shape) and whose <c>qa_outputs</c> is initialised fresh (seed torch first for a reproducible draw).
    /// </summary>
    public static (ElectraForQuestionAnswering Model, TransferReport Report) FromPretrained(string dir)
    {
        return ModelBuild.Fill(new ElectraForQuestionAnswering(Pretrained.ReadConfig(dir)), m => (m, TransferReport.LoadEncoder(m, m.Electra, dir)));
    }

    /// <summary>Loads a fine-tuned folder written by <see cref="Save"/> (or HF's <c>save_pretrained</c>), all or nothing.</summary>
    public static ElectraForQuestionAnswering Load(string dir)
    {
        return Pretrained.LoadNew(new ElectraForQuestionAnswering(Pretrained.ReadConfig(dir, Architecture)), dir);
    }

    /// <summary>Writes an HF folder (<c>config.json</c> with <c>architectures</c>, <c>model.safetensors</c>, the tokenizer files of <paramref name="tokenizerDir"/>); atomic as a whole.</summary>
    public void Save(string dir, string tokenizerDir) => Pretrained.Save(this, Config, Architecture, dir, tokenizerDir);
}
