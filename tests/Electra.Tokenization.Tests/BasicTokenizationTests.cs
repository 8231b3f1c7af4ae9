using static Electra.Tokenization.Tests.Fixtures;

namespace Electra.Tokenization.Tests;

/// <summary>
/// Golden ids for each rule of HF's <c>BasicTokenizer</c> + <c>WordpieceTokenizer</c> on the tiny vocab, derived by
/// reading <c>tokenization_bert.py</c>; each case names the rule it checks.
/// </summary>
public class BasicTokenizationTests
{
    /// <summary>
    /// The word-piece ids of <paramref name="text"/>, after checking that a <see cref="Microsoft.ML.Tokenizers.Tokenizer"/>-typed
    /// reference gives the same pieces between [CLS] and [SEP] through EncodeToIds, EncodeToTokens and CountTokens.
    /// </summary>
    static int[] Ids(string text, TokenizerOptions? options = null)
    {
        var tok = options is null ? Tiny : WordPieceTokenizer.FromVocabulary(Tiny.Vocabulary, options);
        int[] ids = tok.TokenizeToIds(text);
        Microsoft.ML.Tokenizers.Tokenizer general = tok;
        int[] withSpecials = [Cls, .. ids, Sep];
        Assert.Equal(withSpecials, general.EncodeToIds(text));
        Assert.Equal(withSpecials, general.EncodeToTokens(text, out _).Select(t => t.Id));
        Assert.Equal(withSpecials.Length, general.CountTokens(text));
        return ids;
    }

    static int[] Concat(params int[][] parts) => parts.SelectMany(p => p).ToArray();

    [Fact] // do_lower_case, then strip_accents (None follows do_lower_case): NFD and drop Mn.
    public void LowerCasesAndStripsAccents() =>
        Assert.Equal(Concat(Spell("hello"), Spell("world")), Ids("Héllo WÖRLD"));

    [Fact] // NFC/NFD: a decomposed accent gives the same ids as the precomposed one.
    public void DecomposedAccentsMatchPrecomposed() =>
        Assert.Equal(Ids("h\u00e9llo"), Ids("he\u0301llo"));

    [Fact] // do_lower_case=False with strip_accents=None keeps case and accents: 'H' is not in the vocab → [UNK].
    public void CasedKeepsAccentsAndCase()
    {
        var cased = new TokenizerOptions { DoLowerCase = false };
        Assert.Equal(new[] { Unk }, Ids("Hello", cased));
        Assert.Equal(new[] { Unk }, Ids("h\u00e9llo", cased));
        Assert.Equal(Spell("hello"), Ids("h\u00e9llo", cased with { StripAccents = true }));
    }

    [Fact] // Lower-casing without accent stripping: "é" survives, so the word cannot be spelled.
    public void LowerCaseWithoutStripKeepsAccents() =>
        Assert.Equal(new[] { Unk }, Ids("H\u00c9LLO", new TokenizerOptions { StripAccents = false }));

    [Fact] // Python's full lower(): 'İ' → "i" + U+0307; stripping removes the mark, otherwise it blocks the match.
    public void DottedCapitalIFollowsPythonLower()
    {
        Assert.Equal(new[] { L('i') }, Ids("\u0130"));
        Assert.Equal(new[] { Unk }, Ids("\u0130", new TokenizerOptions { StripAccents = false }));
    }

    [Fact] // _is_punctuation: ASCII 33-47, 58-64, 91-96, 123-126 each become a word; none is in the vocab.
    public void AsciiSymbolsArePunctuation() =>
        Assert.Equal(Concat([L('a')], Enumerable.Repeat(Unk, 9).ToArray(), [L('b')]), Ids("a$+=<>|~^`b"));

    [Fact] // Unicode P* (here '¿' and '—') splits too; symbols such as emoji (So) do not, so "a😀b" is one word → [UNK].
    public void UnicodePunctuationSplitsButSymbolsDoNot()
    {
        Assert.Equal(new[] { L('a'), Unk, L('b'), Unk, L('c') }, Ids("a\u00bfb\u2014c"));
        Assert.Equal(new[] { Unk, L('c') }, Ids("a\U0001F600b c"));
    }

    [Fact] // _clean_text deletes NUL, U+FFFD, Cc and Cf (zero-width space, soft hyphen, NEL, VT): neighbours merge.
    public void DeletedCharactersJoinTheirNeighbours()
    {
        int[] ab = Spell("ab");
        Assert.Equal(ab, Ids("a\u0000b"));
        Assert.Equal(ab, Ids("a\ufffdb"));
        Assert.Equal(ab, Ids("a\u200bb"));
        Assert.Equal(ab, Ids("a\u00adb"));
        Assert.Equal(ab, Ids("a\u0085b"));
        Assert.Equal(ab, Ids("a\u000bb"));
        Assert.Equal(ab, Ids("a\ud800b")); // lone surrogate: dropped like U+FFFD (our documented choice)
    }

    [Fact] // Whitespace: tab/LF/CR and Zs separate words (unlike ML.Tokenizers), as do U+2028/U+2029 via str.split().
    public void WhitespaceSeparatesWords()
    {
        int[] expected = { L('a'), L('b'), L('c'), L('d'), L('e'), L('f'), L('g') };
        Assert.Equal(expected, Ids("a\tb\nc\rd\u00a0e\u2028f\u3000g"));
    }

    [Fact] // _tokenize_chinese_chars: CJK ideographs (BMP and extension B) become words; off, they stay inside the word.
    public void ChineseCharactersAreSplit()
    {
        Assert.Equal(new[] { L('a'), Unk, L('b') }, Ids("a\u4e2db"));
        Assert.Equal(new[] { L('a'), Unk, L('b') }, Ids("a\U00020000b"));
        Assert.Equal(new[] { Unk }, Ids("a\u4e2db", new TokenizerOptions { TokenizeChineseChars = false }));
    }

    [Fact] // max_input_chars_per_word = 100 code points: 100 letters are spelled, 101 are one [UNK].
    public void LongWordsBecomeUnknown()
    {
        Assert.Equal(Spell(new string('a', 100)), Ids(new string('a', 100)));
        Assert.Equal(new[] { Unk, L('b') }, Ids(new string('a', 101) + " b"));
        Assert.Equal(new[] { Unk }, Ids(new string('\u00e9', 101))); // 101 after accent stripping too
    }

    [Fact] // Greedy longest-match-first: "w1000" is a token although "w100" is too; one unmatched piece makes the word [UNK].
    public void WordPieceIsGreedyLongestFirst()
    {
        Assert.Equal(new[] { 1000 }, Ids("w1000"));
        Assert.Equal(new[] { 57, C('a') }, Ids("w57a"));
        Assert.Equal(new[] { Unk }, Ids("w10000"));
    }

    [Fact] // Special tokens in the text stay whole (never lower-cased or split), even inside a word; "[mask]" is not special.
    public void SpecialTokensInTextStayWhole()
    {
        Assert.Equal(new[] { L('a'), Mask, L('b') }, Ids("a[MASK]b"));
        Assert.Equal(new[] { Cls, Sep, Pad, Unk }, Ids(" [CLS][SEP] [PAD]\t[UNK] "));
        Assert.Equal(Concat([Unk], Spell("mask"), [Unk]), Ids("[mask]"));
    }

    [Fact] // Empty and all-whitespace/all-deleted texts have no word pieces.
    public void EmptyTextsHaveNoPieces()
    {
        Assert.Empty(Ids(""));
        Assert.Empty(Ids(" \t\n\u200b\u0000 "));
        Assert.Equal(new[] { Cls, Sep }, Tiny.Encode("").Ids);
    }
}
