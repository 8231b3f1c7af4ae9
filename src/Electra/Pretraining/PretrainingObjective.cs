using Electra.Modeling;
using TorchSharp;
using static TorchSharp.torch;

namespace Electra.Pretraining;

/// <summary>Which objective pre-trains the encoder.</summary>
public enum ObjectiveKind
{
    /// <summary>ELECTRA: generator MLM + λ · replaced-token detection.</summary>
    Electra,

    /// <summary>BERT-style masked language modelling only (the baseline ELECTRA is compared with).</summary>
    Mlm,
}

/// <summary>
/// A pre-training objective over one batch: the trainer calls <see cref="Forward"/>, back-propagates
/// <see cref="StepMetrics.Loss"/> and saves the models with <see cref="SaveModels"/>.
/// </summary>
public abstract class PretrainingObjective : nn.Module
{
    /// <summary>Registers the module under <paramref name="name"/>.</summary>
    protected PretrainingObjective(string name) : base(name) { }

    /// <summary>Masks dynamically and computes the loss and metrics of a batch [B, T].</summary>
    public abstract StepMetrics Forward(Tensor inputIds, Tensor attentionMask, Tensor tokenTypeIds, Generator? rng = null, bool keepScores = false);

    /// <summary>Analytic matmul FLOPs of one training step (forward + backward) on a batch of B × T tokens.</summary>
    public abstract double TrainingFlops(long batch, long seqLength);

    /// <summary>The encoder that fine-tuning keeps.</summary>
    public abstract ElectraModel Encoder { get; }

    /// <summary>Writes the trained models as HF folders under <paramref name="dir"/>.</summary>
    public abstract void SaveModels(string dir, string? tokenizerDir);
}
