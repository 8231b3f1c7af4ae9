using Electra.Modeling;
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
/// <see cref="StepMetrics.Loss"/>, and Interop saves the models of <see cref="ExportModels"/> as HF folders.
/// </summary>
public abstract class PretrainingObjective : nn.Module
{
    /// <summary>Registers the module under <paramref name="name"/>.</summary>
    protected PretrainingObjective(string name) : base(name) { }

    /// <summary>
    /// Masks dynamically and computes the loss and metrics of a batch [B, T]. Random numbers come from
    /// <paramref name="rng"/> (the global generator when null); with <paramref name="global"/> the batch is this rank's
    /// share of a data-parallel global batch (random draws and loss normalisation as <see cref="GlobalBatch"/> explains).
    /// </summary>
    internal abstract StepMetrics Forward(Tensor inputIds, Tensor attentionMask, Tensor tokenTypeIds, Generator? rng = null, bool keepScores = false, GlobalBatch? global = null);

    /// <summary>Analytic matmul FLOPs of one training step (forward + backward) on a batch of B × T tokens.</summary>
    public abstract double TrainingFlops(long batch, long seqLength);

    /// <summary>The dynamic masking <see cref="Forward"/> applies (the trainer counts its masked positions on the host).</summary>
    internal abstract Masking Masking { get; }

    /// <summary>The encoder that fine-tuning keeps.</summary>
    public abstract ElectraModel Encoder { get; }

    /// <summary>Whether the objective trains a discriminator (its metrics carry the discriminator's figures).</summary>
    public abstract bool HasDiscriminator { get; }

    /// <summary>
    /// Loads the models a pre-training run exported under <paramref name="dir"/> (its <c>discriminator/</c>,
    /// <c>generator/</c>, ... HF folders) into this objective, to continue pre-training (<c>--init-from</c>);
    /// <paramref name="log"/> hears what the loader notices. Objectives that cannot continue a run throw.
    /// </summary>
    internal virtual void LoadPretrained(string dir, Action<string>? log = null) =>
        throw new NotSupportedException($"the {GetType().Name} objective cannot continue from a pre-trained run ({dir})");

    /// <summary>
    /// The trained HF models, each with the folder name it is exported under. Lazily made: a model built for the
    /// export (GDES's standalone discriminator) is valid until the enumeration moves on, and freed then.
    /// </summary>
    internal abstract IEnumerable<ExportedModel> ExportModels();
}

/// <summary>One HF model an objective exports.</summary>
/// <param name="Folder">The folder name under the run folder (discriminator, generator, mlm).</param>
/// <param name="Model">The module whose state dict is saved.</param>
/// <param name="Config">Its config.json.</param>
/// <param name="Architecture">The HF architecture name (ElectraForPreTraining, ElectraForMaskedLM).</param>
internal sealed record ExportedModel(string Folder, nn.Module Model, ElectraConfig Config, string Architecture);
