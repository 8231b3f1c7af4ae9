namespace Electra.Tokenization;

/// <summary>Lengths of <c>[CLS] A [SEP] (B [SEP])</c> sequences and HF's <c>truncate_sequences</c>.</summary>
static class SequenceLayout
{
    /// <summary>Number of special tokens around one text or a pair.</summary>
    public static int SpecialCount(bool pair, EncodeOptions options) => options.AddSpecialTokens ? (pair ? 3 : 2) : 0;

    /// <summary>Total length of a sequence keeping <paramref name="a"/> and <paramref name="b"/> tokens.</summary>
    public static int Length(int a, int b, bool pair, EncodeOptions options) => a + (pair ? b : 0) + SpecialCount(pair, options);

    /// <summary><see cref="EncodeOptions.MaxLength"/>, which padding to max length needs.</summary>
    public static int RequireMaxLength(EncodeOptions options) =>
        options.MaxLength ?? throw new ArgumentException("PaddingStrategy.MaxLength needs EncodeOptions.MaxLength", nameof(options));

    /// <summary>
    /// How many tokens of each text to keep so the sequence fits <see cref="EncodeOptions.MaxLength"/>. Longest-first
    /// removes from the longer text, one at a time, from the second on a tie (HF's closed form of the same rule);
    /// only-first/only-second fail, rather than silently overflow as HF does, when that text cannot lose enough.
    /// </summary>
    public static (int A, int B) Truncate(int lengthA, int lengthB, bool pair, EncodeOptions options)
    {
        if (options.MaxLength is not int max) return (lengthA, lengthB);
        int special = SpecialCount(pair, options);
        if (max <= special)
            throw new ArgumentException($"MaxLength {max} leaves no room for text: the special tokens alone take {special}", nameof(options));
        int remove = lengthA + (pair ? lengthB : 0) + special - max;
        if (remove <= 0) return (lengthA, lengthB);
        switch (options.Truncation)
        {
            case TruncationStrategy.LongestFirst when pair:
                int firstRemove = Math.Min(Math.Abs(lengthA - lengthB), remove);
                int secondRemove = remove - firstRemove;
                return lengthA > lengthB
                    ? (lengthA - firstRemove - secondRemove / 2, lengthB - (secondRemove - secondRemove / 2))
                    : (lengthA - secondRemove / 2, lengthB - firstRemove - (secondRemove - secondRemove / 2));
            case TruncationStrategy.LongestFirst:
                return (lengthA - remove, 0);
            case TruncationStrategy.OnlyFirst:
                if (lengthA <= remove)
                    throw new ArgumentException($"only-first truncation must remove {remove} tokens but the first text has {lengthA}; use LongestFirst or a larger MaxLength", nameof(options));
                return (lengthA - remove, lengthB);
            case TruncationStrategy.OnlySecond:
                if (!pair) throw new ArgumentException("only-second truncation needs a text pair", nameof(options));
                if (lengthB <= remove)
                    throw new ArgumentException($"only-second truncation must remove {remove} tokens but the second text has {lengthB}; use LongestFirst or a larger MaxLength", nameof(options));
                return (lengthA, lengthB - remove);
            default:
                throw new ArgumentOutOfRangeException(nameof(options), options.Truncation, "unknown truncation strategy");
        }
    }
}
