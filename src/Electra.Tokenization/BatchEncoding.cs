namespace Electra.Tokenization;

/// <summary>
/// A batch of encodings in contiguous row-major [<see cref="BatchSize"/>, <see cref="SequenceLength"/>] arrays,
/// ready to become int64 tensors without copying token by token (e.g. <c>torch.tensor(InputIds, new long[] { B, L })</c>).
/// </summary>
/// <param name="BatchSize">Number of rows B.</param>
/// <param name="SequenceLength">Row length L, padding included.</param>
/// <param name="InputIds">Token ids, length B×L.</param>
/// <param name="TokenTypeIds">Segment ids, length B×L.</param>
/// <param name="AttentionMask">1 for real tokens, 0 for padding, length B×L.</param>
public sealed record BatchEncoding(int BatchSize, int SequenceLength, long[] InputIds, long[] TokenTypeIds, long[] AttentionMask)
{
    /// <summary>
    /// Rows of ids and segment ids (already encoded, unpadded) padded with <paramref name="padId"/> to the longest:
    /// the batch every runtime feeds a model (attention mask 1 on real tokens, 0 on padding).
    /// </summary>
    public static BatchEncoding Pad(IReadOnlyList<int[]> ids, IReadOnlyList<int[]> typeIds, int padId)
    {
        if (ids.Count == 0 || ids.Count != typeIds.Count) throw new ArgumentException($"{ids.Count} rows of ids and {typeIds.Count} of segment ids: need the same, at least one");
        int rows = ids.Count, length = ids.Max(r => r.Length);
        var inputIds = new long[rows * length];
        var types = new long[inputIds.Length];
        var mask = new long[inputIds.Length];
        Array.Fill(inputIds, padId);
        for (int r = 0; r < rows; r++)
        {
            if (typeIds[r].Length != ids[r].Length) throw new ArgumentException($"row {r}: {ids[r].Length} ids but {typeIds[r].Length} segment ids");
            for (int t = 0; t < ids[r].Length; t++)
                (inputIds[r * length + t], types[r * length + t], mask[r * length + t]) = (ids[r][t], typeIds[r][t], 1);
        }
        return new BatchEncoding(rows, length, inputIds, types, mask);
    }
}
