namespace Electra.Tokenization;

/// <summary>Settings of <see cref="WordPieceTrainer"/>; defaults are those of HF tokenizers' <c>BertWordPieceTokenizer.train</c>.</summary>
public sealed record WordPieceTrainerOptions
{
    /// <summary>Target number of tokens, special tokens and alphabet included; default 30522 (BERT-base). The result is
    /// smaller when the corpus runs out of pairs that occur <see cref="MinFrequency"/> times, and larger when the
    /// special tokens and the alphabet alone exceed it.</summary>
    public int VocabSize { get; init; } = 30522;

    /// <summary>A pair of pieces must occur at least this often (counting word frequencies) to be merged; default 2.</summary>
    public int MinFrequency { get; init; } = 2;

    /// <summary>At most this many distinct characters form the initial alphabet, the most frequent first; default 1000.
    /// Rarer characters are left out, so words holding them encode as the unknown token.</summary>
    public int LimitAlphabet { get; init; } = 1000;

    /// <summary>Normalization (the same pre-tokenization as encoding) and the special tokens, written first with ids 0..4.</summary>
    public TokenizerOptions Tokenizer { get; init; } = new();
}
