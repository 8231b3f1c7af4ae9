using System.Security.Cryptography;
using Electra.Tokenization;

namespace Electra.Data;

/// <summary>Ties a dataset to the tokenizer that produced it.</summary>
public static class TokenizerVocabulary
{
    /// <summary>The dataset vocabulary of <paramref name="tokenizer"/>: size, special ids (with [MASK]) and a SHA-256 of its token list.</summary>
    public static DatasetVocabulary Describe(WordPieceTokenizer tokenizer) => Describe(TokenizerAdapter.Create(tokenizer));

    /// <summary>The dataset vocabulary of any tokenizer (<see cref="TokenizerAdapter"/>): size, special ids and a SHA-256 of its token list.</summary>
    public static DatasetVocabulary Describe(TokenizerAdapter tokenizer)
    {
        byte[] hash = SHA256.HashData(System.Text.Encoding.UTF8.GetBytes(string.Join("\n", tokenizer.Vocabulary)));
        return new DatasetVocabulary(tokenizer.VocabSize, tokenizer.ClsId, tokenizer.SepId, tokenizer.PadId, "sha256:" + Convert.ToHexStringLower(hash)[..16])
        {
            MaskId = tokenizer.MaskId,
        };
    }

    /// <summary>The warning for a vocabulary that lists tokens more than once (HF keeps the last id of each), or null.</summary>
    public static string? DuplicatesWarning(WordPieceTokenizer tokenizer, string source) => DuplicatesWarning(TokenizerAdapter.Create(tokenizer), source);

    /// <summary>The warning for a vocabulary that lists tokens more than once (HF keeps the last id of each), or null.</summary>
    public static string? DuplicatesWarning(TokenizerAdapter tokenizer, string source)
    {
        var duplicates = tokenizer.DuplicateTokens;
        if (duplicates.Count == 0) return null;
        return $"{source}: {duplicates.Count} token{(duplicates.Count == 1 ? " is" : "s are")} listed more than once " +
               $"({string.Join(", ", duplicates.Take(5).Select(t => $"\"{t}\""))}{(duplicates.Count > 5 ? ", …" : "")}); " +
               "each maps to its last line's id (as in HF's BertTokenizer), so the earlier lines are never used";
    }
}
