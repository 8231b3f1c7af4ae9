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
public sealed record BatchEncoding(int BatchSize, int SequenceLength, long[] InputIds, long[] TokenTypeIds, long[] AttentionMask);
