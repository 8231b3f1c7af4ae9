namespace Electra.Modeling;

/// <summary>
/// The one length check of fine-tuning, prediction and re-ranking: a sequence longer than the model's
/// <c>max_position_embeddings</c> would index past its position table.
/// </summary>
internal static class PositionLimit
{
    /// <summary>Throws when <paramref name="length"/> exceeds <paramref name="maxPositions"/>, naming the value as <paramref name="what"/> and the model by <paramref name="source"/> when given.</summary>
    /// <exception cref="ArgumentException">The length does not fit.</exception>
    public static void Check(int? length, int maxPositions, string what = "max length", string? source = null)
    {
        if (length > maxPositions)
            throw new ArgumentException($"{what} {length} exceeds the model's max_position_embeddings {maxPositions}{(source is null ? "" : $" ({source})")}");
    }
}
