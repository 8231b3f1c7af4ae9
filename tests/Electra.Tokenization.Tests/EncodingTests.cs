using static Electra.Tokenization.Tests.Fixtures;

namespace Electra.Tokenization.Tests;

/// <summary>Special tokens, pair layout, HF's truncation strategies, padding, offsets, batches and decoding.</summary>
public class EncodingTests
{
    const string Five = "a b c d e", Three = "f g h";

    static int[] Letters(string s) => s.Split(' ').Select(w => L(w[0])).ToArray();

    [Fact] // [CLS] A [SEP] B [SEP], token_type_ids 0 then 1, attention mask all ones.
    public void PairLayout()
    {
        var e = Tiny.Encode("a b", "c");
        Assert.Equal(new[] { Cls, L('a'), L('b'), Sep, L('c'), Sep }, e.Ids);
        Assert.Equal(new[] { 0, 0, 0, 0, 1, 1 }, e.TypeIds);
        Assert.Equal(new[] { 1, 1, 1, 1, 1, 1 }, e.AttentionMask);
        Assert.Equal(new[] { "[CLS]", "a", "b", "[SEP]", "c", "[SEP]" }, e.Tokens);
    }

    [Fact] // longest_first: 5+3+3 = 11 > 8, remove 3: twice from the longer first, then from the second on the 3-3 tie.
    public void LongestFirstTruncation()
    {
        var e = Tiny.Encode(Five, Three, new EncodeOptions { MaxLength = 8 });
        Assert.Equal(new[] { Cls, L('a'), L('b'), L('c'), Sep, L('f'), L('g'), Sep }, e.Ids);
        var single = Tiny.Encode(Five, null, new EncodeOptions { MaxLength = 4 });
        Assert.Equal(new[] { Cls, L('a'), L('b'), Sep }, single.Ids);
    }

    [Fact] // only_first removes all 3 from A; only_second from B, and fails when B is too short (HF would overflow).
    public void OnlyFirstAndOnlySecondTruncation()
    {
        var first = Tiny.Encode(Five, Three, new EncodeOptions { MaxLength = 8, Truncation = TruncationStrategy.OnlyFirst });
        Assert.Equal(new[] { Cls, L('a'), L('b'), Sep, L('f'), L('g'), L('h'), Sep }, first.Ids);
        var second = Tiny.Encode(Five, Three, new EncodeOptions { MaxLength = 9, Truncation = TruncationStrategy.OnlySecond });
        Assert.Equal([Cls, .. Letters(Five), Sep, L('f'), Sep], second.Ids);
        var e = Assert.Throws<ArgumentException>(() => Tiny.Encode(Five, Three, new EncodeOptions { MaxLength = 8, Truncation = TruncationStrategy.OnlySecond }));
        Assert.Contains("only-second", e.Message);
    }

    [Fact] // padding="max_length": [PAD] ids, mask 0, type 0, empty offsets.
    public void PaddingToMaxLength()
    {
        var e = Tiny.Encode("a b", null, new EncodeOptions { MaxLength = 6, Padding = PaddingStrategy.MaxLength });
        Assert.Equal(new[] { Cls, L('a'), L('b'), Sep, Pad, Pad }, e.Ids);
        Assert.Equal(new[] { 1, 1, 1, 1, 0, 0 }, e.AttentionMask);
        Assert.Equal(new[] { 0, 0, 0, 0, 0, 0 }, e.TypeIds);
        Assert.Equal((0, 0), e.Offsets[5]);
        Assert.Throws<ArgumentException>(() => Tiny.Encode("a", null, new EncodeOptions { Padding = PaddingStrategy.MaxLength }));
    }

    [Fact] // Offsets index the original string: through lower-casing, punctuation, a decomposed accent and a deleted character.
    public void OffsetsPointIntoTheOriginalString()
    {
        const string text = "He\u0301l\u200blo, W!";
        var e = Tiny.Encode(text, null, new EncodeOptions { AddSpecialTokens = false });
        Assert.Equal(new[] { L('h'), C('e'), C('l'), C('l'), C('o'), Unk, L('w'), Unk }, e.Ids);
        Assert.Equal(new[] { (0, 1), (1, 3), (3, 4), (5, 6), (6, 7), (7, 8), (9, 10), (10, 11) }, e.Offsets);
        var pair = Tiny.Encode("ab", " cd");
        Assert.Equal(new[] { (0, 0), (0, 1), (1, 2), (0, 0), (1, 2), (2, 3), (0, 0) }, pair.Offsets);
    }

    [Fact] // Batch rows equal single encodings, padded to the longest row, in contiguous long[] B×L arrays.
    public void BatchMatchesSingleEncodings()
    {
        string[] texts = { "a b c", "", "hello world", "d" };
        string[] pairs = { "x", "y z", "", "q" };
        var batch = Tiny.EncodeBatch(texts, pairs);
        Assert.Equal(4, batch.BatchSize);
        int width = texts.Select((t, i) => Tiny.Encode(t, pairs[i]).Length).Max();
        Assert.Equal(width, batch.SequenceLength);
        for (int r = 0; r < texts.Length; r++)
        {
            var single = Tiny.Encode(texts[r], pairs[r], new EncodeOptions { MaxLength = width, Padding = PaddingStrategy.MaxLength });
            Assert.Equal(single.Ids.Select(i => (long)i), batch.InputIds.Skip(r * width).Take(width));
            Assert.Equal(single.TypeIds.Select(i => (long)i), batch.TokenTypeIds.Skip(r * width).Take(width));
            Assert.Equal(single.AttentionMask.Select(i => (long)i), batch.AttentionMask.Skip(r * width).Take(width));
        }
        var fixedWidth = Tiny.EncodeBatch(texts, null, new EncodeOptions { MaxLength = 4, Padding = PaddingStrategy.MaxLength });
        Assert.Equal(4, fixedWidth.SequenceLength);
        Assert.Equal(new long[] { Cls, L('a'), L('b'), Sep }, fixedWidth.InputIds.Take(4));
    }

    [Fact] // convert_tokens_to_string: join, drop " ##"; clean_up_tokenization removes the space before punctuation.
    public void DecodeJoinsPiecesAndCleansUp()
    {
        Assert.Equal("hello world", Tiny.Decode(Tiny.Encode("Hello  WORLD").Ids));
        Assert.Equal("[CLS] hello [SEP]", Tiny.Decode(Tiny.Encode("hello").Ids, skipSpecialTokens: false));
        var tok = WordPieceTokenizer.FromVocabulary(["[PAD]", "[UNK]", "[CLS]", "[SEP]", "[MASK]", "hello", ",", "world", "!", "don", "'", "t"]);
        int[] ids = tok.TokenizeToIds("Hello, world! don't");
        Assert.Equal(new[] { 5, 6, 7, 8, 9, 10, 11 }, ids);
        Assert.Equal("hello, world! don't", tok.Decode(ids));
        Assert.Equal("hello , world ! don ' t", WordPieceTokenizer.FromVocabulary(tok.Vocabulary, new TokenizerOptions { CleanUpTokenizationSpaces = false }).Decode(ids));
        Assert.Equal("[UNK]", tok.Decode([99999]));
    }
}
