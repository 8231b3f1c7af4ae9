namespace Electra.Tokenization;

/// <summary>
/// One encoded text or text pair. All arrays have the same length. Offsets of tokens from the first text index the
/// first string, those of the second text (<see cref="TypeIds"/> 1) the second string; special and padding tokens
/// have the empty offset (0, 0).
/// </summary>
/// <param name="Ids">Token ids.</param>
/// <param name="TypeIds">Segment ids: 0 for <c>[CLS] A [SEP]</c>, 1 for <c>B [SEP]</c>, 0 for padding.</param>
/// <param name="AttentionMask">1 for real tokens, 0 for padding.</param>
/// <param name="Offsets">Character range [Start, End) of each token in its original string.</param>
/// <param name="Tokens">Vocabulary string of each id.</param>
public sealed record Encoding(int[] Ids, int[] TypeIds, int[] AttentionMask, (int Start, int End)[] Offsets, string[] Tokens)
{
    /// <summary>Number of tokens, padding included.</summary>
    public int Length => Ids.Length;
}
