namespace Electra.Tokenization;

/// <summary>How encodings are padded with the pad token (HF's <c>padding=</c>). Padding always goes on the right.</summary>
public enum PaddingStrategy
{
    /// <summary>No padding. A batch is still padded to its longest row, since its arrays are rectangular.</summary>
    None,
    /// <summary>Pad to the longest sequence of the batch (a no-op for a single encoding).</summary>
    Longest,
    /// <summary>Pad to <see cref="EncodeOptions.MaxLength"/>, which must then be set.</summary>
    MaxLength,
}
