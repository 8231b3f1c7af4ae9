namespace Electra.FineTuning;

/// <summary>What a fine-tuning task learns: labels of whole texts or of every word, a number per text, or a text embedding.</summary>
public enum TaskKind
{
    /// <summary>One label per text or text pair, read from the [CLS] position (<see cref="ElectraForSequenceClassification"/>).</summary>
    Sequence,
    /// <summary>One label per word, read from its first word piece (<see cref="ElectraForTokenClassification"/>).</summary>
    Token,
    /// <summary>
    /// One number per text or text pair (a TSV file whose labels are numbers, at least one written as a decimal):
    /// <see cref="ElectraForSequenceClassification"/> with one output, MSE loss, HF's <c>problem_type: "regression"</c>.
    /// </summary>
    Regression,
    /// <summary>(query, positive) pairs for a bi-encoder trained with in-batch negatives (<see cref="Retrieval.BiEncoderTask"/>).</summary>
    Retrieval,
}
