namespace Electra.Pretraining;

/// <summary>Ids of the tokens masking must know about (BERT's vocab: 0, 101, 102, 103; ours: 0, 2, 3, 4).</summary>
/// <param name="Pad">[PAD]</param>
/// <param name="Cls">[CLS]</param>
/// <param name="Sep">[SEP]</param>
/// <param name="Mask">[MASK]</param>
public sealed record SpecialTokens(int Pad, int Cls, int Sep, int Mask)
{
    /// <summary>The layout of vocabularies trained by Electra.Tokenization: [PAD]=0 [UNK]=1 [CLS]=2 [SEP]=3 [MASK]=4.</summary>
    public static SpecialTokens Default { get; } = new(0, 2, 3, 4);
}
