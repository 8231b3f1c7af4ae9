using System.Text;
using static Electra.Tokenization.Tests.Fixtures;

namespace Electra.Tokenization.Tests;

/// <summary>Random Unicode (controls, marks, CJK, emoji, lone surrogates, odd spaces) must keep the encoder's invariants.</summary>
public class FuzzTests
{
    static readonly string[] Pieces =
    {
        "a", "B", "z", "Q", " ", "\t", "\n", "\r", ".", ",", "$", "~", "#", "é", "E\u0301", "\u0301", "\u0130", "\u00df", "\u03a3",
        "\u4e2d", "\uf900", "\U00020000", "\U0001F600", "\u200b", "\u00ad", "\u0000", "\ufffd", "\ud800", "\udc00", "\u2028", "\u00a0",
        "\u3000", "\u1100\u1161", "\u0627\u064e", "w57", "[MASK]", "[CLS", "##", "\u0085", "\u000b", "\u202e", "\U000E0001",
    };

    static string RandomText(Random rng)
    {
        var sb = new StringBuilder();
        int n = rng.Next(0, 40);
        for (int i = 0; i < n; i++) sb.Append(rng.Next(4) == 0 ? ((char)rng.Next(0, 0x10000)).ToString() : Pieces[rng.Next(Pieces.Length)]);
        return sb.ToString();
    }

    [Fact]
    public void InvariantsHoldOnRandomUnicode()
    {
        var rng = new Random(1234);
        var cased = WordPieceTokenizer.FromVocabulary(Tiny.Vocabulary, new TokenizerOptions { DoLowerCase = false });
        for (int iteration = 0; iteration < 3000; iteration++)
        {
            string text = RandomText(rng);
            foreach (var tok in new[] { Tiny, cased })
            {
                var e = tok.Encode(text, null, new EncodeOptions { AddSpecialTokens = false });
                int[] ids = tok.TokenizeToIds(text);
                Assert.Equal(ids, e.Ids);
                Assert.All(ids, id => Assert.InRange(id, 0, tok.VocabSize - 1));
                int previous = 0;
                foreach (var (start, end) in e.Offsets)
                {
                    Assert.InRange(start, previous, text.Length);
                    Assert.InRange(end, start + 1, text.Length);
                    previous = start;
                }
                // Decoding gives normalized text that encodes to the same ids (the normalization is idempotent).
                Assert.Equal(ids, tok.TokenizeToIds(tok.Decode(ids, skipSpecialTokens: false)));
            }
        }
    }
}
