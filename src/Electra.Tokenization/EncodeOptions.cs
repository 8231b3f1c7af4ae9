namespace Electra.Tokenization;

/// <summary>Length handling for <see cref="WordPieceTokenizer.Encode"/> and <see cref="WordPieceTokenizer.EncodeBatch"/>.</summary>
public sealed record EncodeOptions
{
    /// <summary>
    /// Maximum length including special tokens. Null (the default) means no truncation; unlike HF's
    /// <c>truncation=True</c> it does not fall back to <see cref="TokenizerOptions.ModelMaxLength"/>.
    /// </summary>
    public int? MaxLength { get; init; }

    /// <summary>Which sequence loses tokens when <see cref="MaxLength"/> is exceeded; default longest-first (HF's default).</summary>
    public TruncationStrategy Truncation { get; init; } = TruncationStrategy.LongestFirst;

    /// <summary>Padding; default none.</summary>
    public PaddingStrategy Padding { get; init; } = PaddingStrategy.None;

    /// <summary>Add <c>[CLS] A [SEP]</c> / <c>[CLS] A [SEP] B [SEP]</c>; default true.</summary>
    public bool AddSpecialTokens { get; init; } = true;
}
