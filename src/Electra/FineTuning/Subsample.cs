namespace Electra.FineTuning;

/// <summary>The one training subsample of every task kind (<see cref="FineTuneOptions.MaxTrainExamples"/>).</summary>
public static class Subsample
{
    /// <summary>
    /// <paramref name="count"/> of <paramref name="items"/> drawn without replacement by <c>new Random(seed)</c>, kept in
    /// their order (the same seed gives the same subset); all of them when <paramref name="count"/> is null or not smaller.
    /// </summary>
    public static IReadOnlyList<T> Of<T>(IReadOnlyList<T> items, int? count, int seed)
    {
        if (count is not int n || n >= items.Count) return items;
        ArgumentOutOfRangeException.ThrowIfNegative(n, nameof(count));
        var order = Enumerable.Range(0, items.Count).ToArray();
        new Random(seed).Shuffle(order);
        return order.Take(n).Order().Select(i => items[i]).ToArray();
    }
}
