namespace Electra.Tokenization;

/// <summary>Which sequence loses tokens when an encoding is longer than <see cref="EncodeOptions.MaxLength"/> (HF's <c>truncation=</c>).</summary>
public enum TruncationStrategy
{
    /// <summary>Remove tokens from the end of the longer sequence, one at a time; on a tie from the second (HF <c>longest_first</c>).</summary>
    LongestFirst,
    /// <summary>Remove tokens only from the first sequence (HF <c>only_first</c>).</summary>
    OnlyFirst,
    /// <summary>Remove tokens only from the second sequence of a pair (HF <c>only_second</c>).</summary>
    OnlySecond,
}
