namespace Electra.Modeling;

/// <summary>
/// How token states become one text vector. <see cref="Mean"/> is the default: ELECTRA's discriminator is trained to
/// label every token original or replaced, and nothing in pre-training trains its [CLS] state to summarise the text
/// (no next-sentence objective), so the mean over the text's tokens carries more of its content until a bi-encoder
/// is fine-tuned (Reimers and Gurevych 2019 found mean pooling best for BERT too).
/// </summary>
public enum Pooling
{
    /// <summary>The mean of the hidden states of the non-padding tokens ([CLS] and [SEP] included, as sentence-transformers does).</summary>
    Mean,
    /// <summary>The hidden state at position 0, [CLS].</summary>
    Cls,
}
