using Electra.Modeling;
using static TorchSharp.torch;

namespace Electra.Pretraining;

/// <summary>
/// The baseline ELECTRA replaces: BERT-style masked language modelling with the discriminator's encoder
/// (an HF <c>ElectraForMaskedLM</c> of full size), 15% of tokens selected, 80% [MASK] / 10% random / 10% kept,
/// loss = cross-entropy at the selected positions only. Same data, encoder shape and optimizer as ELECTRA,
/// so the two can be compared at equal compute.
/// </summary>
public sealed class MaskedLanguageModel : PretrainingObjective
{
    readonly ElectraForMaskedLM model;
    readonly Masking masking;
    readonly MaskingOptions maskingOptions;

    /// <summary>Builds the encoder of <paramref name="config"/> with an MLM head; <paramref name="masking"/> defaults to BERT's.</summary>
    public MaskedLanguageModel(ElectraConfig config, SpecialTokens special, MaskingOptions? masking = null) : base("MaskedLanguageModel")
    {
        maskingOptions = masking ?? MaskingOptions.Bert;
        model = new ElectraForMaskedLM(config);
        this.masking = new Masking(maskingOptions, special, config.VocabSize);
        RegisterComponents();
    }

    /// <summary>The model (encoder + MLM head).</summary>
    public ElectraForMaskedLM Model => model;

    /// <inheritdoc/>
    internal override Masking Masking => masking;

    /// <inheritdoc/>
    public override ElectraModel Encoder => model.Electra;

    /// <inheritdoc/>
    public override bool HasDiscriminator => false;

    /// <summary><c>mlm</c>: an HF <c>ElectraForMaskedLM</c>.</summary>
    internal override IEnumerable<ExportedModel> ExportModels() => [new ExportedModel("mlm", model, model.Config, ElectraForMaskedLM.Architecture)];

    /// <inheritdoc/>
    public override double TrainingFlops(long batch, long seqLength) =>
        3 * (FlopCounter.Encoder(model.Config, batch, seqLength) + FlopCounter.GeneratorHead(model.Config, (double)batch * maskingOptions.MaxPredictions(seqLength)));

    /// <summary>Masked-LM loss at the selected positions; the discriminator metrics are zero.</summary>
    internal override StepMetrics Forward(Tensor inputIds, Tensor attentionMask, Tensor tokenTypeIds, Generator? rng = null, bool keepScores = false, GlobalBatch? global = null)
    {
        using var scope = NewDisposeScope();
        var masked = masking.Apply(inputIds, attentionMask, rng, global);
        long H = model.Config.HiddenSize;
        var hidden = model.Electra.call(masked.InputIds, attentionMask, tokenTypeIds); // [B, T, H]
        var logits = model.Predict(hidden.gather(1, masked.Positions.unsqueeze(-1).expand(-1, -1, H))).to(ScalarType.Float32); // [B, N, V]
        var loss = ReplacedTokenDetection.GeneratorLoss(logits, masked.Targets, masked.Weights, global?.MaskedDivisor);
        using var noGrad = no_grad();
        var w = masked.Weights;
        var zero = zeros(1, device: inputIds.device).squeeze();
        var correct = (logits.argmax(-1).eq(masked.Targets).to(ScalarType.Float32) * w).sum();
        return new StepMetrics(loss, loss.detach(), zero,
            MaskedCorrect: correct, SampledCorrect: correct, MaskedCount: w.sum(),
            DiscriminatorCorrect: zero, TokenCount: attentionMask.sum().to(ScalarType.Float32), TruePositives: zero,
            PredictedPositives: zero, ActualPositives: zero, DiscriminatorProbabilities: null, DiscriminatorLabels: null, TokenMask: null).MoveToOuter();
    }
}
