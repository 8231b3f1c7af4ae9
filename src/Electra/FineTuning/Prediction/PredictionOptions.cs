using Electra.Modeling;
namespace Electra.FineTuning.Prediction;

/// <summary>How <c>Tasks.Predictor</c> batches and encodes; the defaults are <c>electra predict</c>'s.</summary>
public sealed record PredictionOptions
{
    /// <summary>Examples (question-answering windows) per forward pass; batches are sorted by length and padded to their longest.</summary>
    public int BatchSize { get; init; } = new FineTuneOptions().EvalBatchSize;

    /// <summary>
    /// Tokens per example, [CLS]/[SEP] included, longer ones truncated; for question answering the window length. Null
    /// means fine-tuning's default (<see cref="FineTuneOptions.MaxLength"/>) capped at the model's positions, or the
    /// window the question-answering folder was fine-tuned with. More than the model's positions is an error.
    /// </summary>
    public int? MaxLength { get; init; }

    /// <summary>SQuAD 2.0: answer "" when null score − best span score exceeds this; null keeps the threshold fine-tuning chose on dev.</summary>
    public double? NullScoreDiffThreshold { get; init; }

    /// <summary>Throws naming the first value this model cannot take.</summary>
    internal void Validate(IFineTunedEncoder model)
    {
        if (BatchSize < 1) throw new ArgumentException($"batch size must be ≥ 1 (got {BatchSize})");
        if (MaxLength < 3) throw new ArgumentException($"max length must be ≥ 3 ([CLS] x [SEP]; got {MaxLength})");
        PositionLimit.Check(MaxLength, model.MaxPositions, source: model.Folder);
        if (NullScoreDiffThreshold is { } t && !double.IsFinite(t)) throw new ArgumentException($"null score threshold must be finite (got {t})");
    }
}
