namespace Electra.FineTuning;

/// <summary>
/// One example as the model sees it: word-piece ids with [CLS]/[SEP] (unpadded, at most MaxLength) and the positions
/// that are scored. A text has one scored position, [CLS] (0). A sentence has one per word: its first word piece,
/// or −1 when the word lies beyond MaxLength (or has no pieces at all), which scores it as a wrong prediction; the
/// other pieces of a word get no label (−100 in the loss), as in HF's token-classification examples.
/// </summary>
/// <param name="Ids">Token ids [T].</param>
/// <param name="TypeIds">Segment ids [T]: 0 for the first text, 1 for the second.</param>
/// <param name="Positions">Scored positions: [0] for a text, one per word for a sentence (−1: not in the encoding).</param>
/// <param name="Gold">Gold label id per scored position, or −1 when the file has no labels (regression: 0, the one output).</param>
/// <param name="Target">The gold value of a regression example; NaN otherwise.</param>
public sealed record EncodedExample(int[] Ids, int[] TypeIds, int[] Positions, int[] Gold, double Target = double.NaN)
{
    /// <summary>Number of tokens.</summary>
    public int Length => Ids.Length;
}
