using System.Security.Cryptography;
using Electra.Tokenization;

namespace Electra.Data;

/// <summary>Ties a dataset to the tokenizer that produced it.</summary>
public static class TokenizerVocabulary
{
    /// <summary>The dataset vocabulary of <paramref name="tokenizer"/>: size, special ids (with [MASK]) and a SHA-256 of its token list.</summary>
    public static DatasetVocabulary Describe(WordPieceTokenizer tokenizer)
    {
        byte[] hash = SHA256.HashData(System.Text.Encoding.UTF8.GetBytes(string.Join("\n", tokenizer.Vocabulary)));
        return new DatasetVocabulary(tokenizer.VocabSize, tokenizer.ClsId, tokenizer.SepId, tokenizer.PadId, "sha256:" + Convert.ToHexStringLower(hash)[..16])
        {
            MaskId = tokenizer.MaskId,
        };
    }
}
