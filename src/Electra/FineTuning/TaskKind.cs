namespace Electra.FineTuning;

/// <summary>What a fine-tuning task labels: whole texts (TSV files) or every word (CoNLL files).</summary>
public enum TaskKind
{
    /// <summary>One label per text or text pair, read from the [CLS] position (<see cref="ElectraForSequenceClassification"/>).</summary>
    Sequence,
    /// <summary>One label per word, read from its first word piece (<see cref="ElectraForTokenClassification"/>).</summary>
    Token,
}
