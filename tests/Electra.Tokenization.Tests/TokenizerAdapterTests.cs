using Microsoft.ML.Tokenizers;
using static Electra.Tokenization.Tests.Fixtures;

namespace Electra.Tokenization.Tests;

/// <summary>
/// <see cref="TokenizerAdapter"/> over Microsoft.ML.Tokenizers' own tokenizers, on the fixture's vocabulary (letters,
/// ## letters and "wNNN" words: text where ML.NET's BertTokenizer and HF's rules agree).
/// </summary>
public class TokenizerAdapterTests
{
    static readonly BertTokenizer Bert = BertTokenizer.Create(TinyVocab);

    [Fact] // ML.NET 3.0 exposes no token list: decoding recovers vocab.txt exactly, ## continuations included.
    public void ReadsTheVocabularyOfMlNetsBertTokenizer()
    {
        var adapter = TokenizerAdapter.Create(Bert);
        Assert.Equal(File.ReadAllLines(TinyVocab), adapter.Vocabulary);
        Assert.Equal((Pad, Unk, Cls, Sep, Mask), (adapter.PadId, adapter.UnkId, adapter.ClsId, adapter.SepId, adapter.MaskId));
        Assert.Equal(1024, adapter.VocabSize);
    }

    [Fact] // Pieces without [CLS]/[SEP], and pairs truncated longest-first, as Electra's tokenizer gives them.
    public void EncodesAsElectrasTokenizerWhereTheRulesAgree()
    {
        var adapter = TokenizerAdapter.Create(Bert);
        const string a = "the whale w57 sailed north w1023", b = "a storm rose";
        Assert.Equal(Tiny.TokenizeToIds(a), adapter.TokenizeToIds(a));
        foreach (var options in new[] { new EncodeOptions(), new EncodeOptions { MaxLength = 12 }, new EncodeOptions { MaxLength = 16, Padding = PaddingStrategy.MaxLength } })
        {
            var expected = Tiny.Encode(a, b, options);
            var (ids, types) = adapter.Encode(a, b, options);
            Assert.Equal(expected.Ids, ids);
            Assert.Equal(expected.TypeIds, types);
        }
    }

    [Fact] // Electra's own tokenizer goes through untouched.
    public void ElectrasTokenizerKeepsItsOwnPath()
    {
        var adapter = TokenizerAdapter.Create(Tiny);
        Assert.Same(Tiny.Vocabulary, adapter.Vocabulary);
        Assert.Equal(Tiny.TokenizeToIds("hello w99"), adapter.TokenizeToIds("hello w99"));
    }

    [Fact] // Every missing special token is named, with the tokenizer's type.
    public void RefusesAVocabularyWithoutTheSpecialTokens()
    {
        string dir = TempFolder();
        string vocab = Path.Combine(dir, "vocab.txt");
        File.WriteAllLines(vocab, File.ReadAllLines(TinyVocab).Where(t => t is not ("[MASK]" or "[CLS]")));
        var e = Assert.Throws<ArgumentException>(() => TokenizerAdapter.Create(Microsoft.ML.Tokenizers.WordPieceTokenizer.Create(vocab)));
        Assert.Contains("Microsoft.ML.Tokenizers.WordPieceTokenizer", e.Message);
        Assert.Contains("lacks [CLS], [MASK]", e.Message);
        Directory.Delete(dir, recursive: true);
    }
}
