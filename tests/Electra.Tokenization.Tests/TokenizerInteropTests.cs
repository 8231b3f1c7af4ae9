using System.Buffers;
using System.Text.Json.Nodes;
using static Electra.Tokenization.Tests.Fixtures;
using MLTokenizer = Microsoft.ML.Tokenizers.Tokenizer;

namespace Electra.Tokenization.Tests;

/// <summary>
/// The tokenizer seen as a <see cref="MLTokenizer"/> (what ML.NET and other libraries hold), and loading HF's
/// <c>tokenizer.json</c>. The golden ids of <see cref="BasicTokenizationTests"/> also go through this face.
/// </summary>
public class TokenizerInteropTests
{
    [Fact] // The issue's contract: Load gives a Tokenizer whose EncodeToIds is HF's input_ids with [CLS]/[SEP].
    public void LoadGivesATokenizerWithSpecialTokens()
    {
        MLTokenizer tok = WordPieceTokenizer.Load(Path.GetDirectoryName(TinyVocab)!);
        Assert.Equal([Cls, .. Spell("hello"), .. Spell("world"), Sep], tok.EncodeToIds("Hello WORLD"));
        Assert.Equal(new[] { Cls, Sep }, tok.EncodeToIds(""));
        Assert.Equal(2 + 10, tok.CountTokens("Hello WORLD"));
    }

    [Fact] // EncodeToTokens: vocabulary strings and offsets into the original text, [CLS]/[SEP] at the empty range.
    public void TokensCarryOffsetsIntoTheOriginalText()
    {
        const string text = "He\u0301l\u200blo, W!";
        MLTokenizer tok = Tiny;
        var tokens = tok.EncodeToTokens(text, out string? normalized);
        Assert.Null(normalized);
        var expected = Tiny.Encode(text);
        Assert.Equal(expected.Ids, tokens.Select(t => t.Id));
        Assert.Equal(expected.Tokens, tokens.Select(t => t.Value));
        Assert.Equal(expected.Offsets, tokens.Select(t => (t.Offset.Start.Value, t.Offset.End.Value)));
        Assert.Equal("##e", tokens[2].Value);
        Assert.Equal("e\u0301", text[tokens[2].Offset]);
    }

    [Fact] // Decode is HF's decode(ids, skip_special_tokens=True); the span overload is all or nothing.
    public void DecodeSkipsSpecialTokens()
    {
        MLTokenizer tok = Tiny;
        var ids = tok.EncodeToIds("Hello  WORLD");
        Assert.Equal("hello world", tok.Decode(ids));
        var buffer = new char[11];
        Assert.Equal(OperationStatus.Done, tok.Decode(ids, buffer, out int consumed, out int written));
        Assert.Equal(("hello world", ids.Count), (new string(buffer, 0, written), consumed));
        Assert.Equal(OperationStatus.DestinationTooSmall, tok.Decode(ids, new char[10], out consumed, out written));
        Assert.Equal((0, 0), (consumed, written));
    }

    [Fact] // MaxTokenCount keeps [CLS] … [SEP] and the first pieces; the index functions count the special tokens too.
    public void MaxTokenCountTruncatesLikeHf()
    {
        MLTokenizer tok = Tiny;
        const string text = "ab c de";
        Assert.Equal(new[] { Cls, L('a'), C('b'), Sep }, tok.EncodeToIds(text, 4, out _, out int consumed));
        Assert.Equal(2, consumed);
        tok.EncodeToIds(text, 100, out _, out consumed);
        Assert.Equal(text.Length, consumed);
        Assert.Empty(tok.EncodeToIds(text, 1, out _, out consumed));
        Assert.Equal(4, tok.GetIndexByTokenCount(text, 5, out _, out int count));
        Assert.Equal(5, count);
        Assert.Equal(5, tok.GetIndexByTokenCountFromEnd(text, 4, out _, out count));
        Assert.Equal(4, count);
        Assert.Equal(text.Length, tok.GetIndexByTokenCount(text, 100, out _, out count));
        Assert.Equal(7, count);
    }

    [Fact] // HF's BERT pipeline has no "skip normalization" mode: asking for one is refused, not ignored.
    public void SwitchingOffNormalizationIsRefused()
    {
        MLTokenizer tok = Tiny;
        Assert.Throws<NotSupportedException>(() => tok.EncodeToIds("a", considerNormalization: false));
        Assert.Throws<NotSupportedException>(() => tok.CountTokens("a", considerPreTokenization: false));
    }

    [Fact] // tokenizer.json of a WordPiece model: vocab by id, BertNormalizer options, special tokens from the post-processor.
    public void LoadsHfTokenizerJson()
    {
        string dir = TempFolder();
        var json = TokenizerJson(lowercase: false);
        File.WriteAllText(Path.Combine(dir, "tokenizer.json"), json.ToJsonString());
        var cased = WordPieceTokenizer.Load(dir);
        Assert.Equal(Tiny.Vocabulary, cased.Vocabulary);
        Assert.False(cased.Options.DoLowerCase);
        Assert.Equal(new[] { Cls, Unk, L('b'), Sep }, ((MLTokenizer)cased).EncodeToIds("A b"));
        File.WriteAllText(Path.Combine(dir, "tokenizer.json"), TokenizerJson(lowercase: true).ToJsonString());
        var uncased = WordPieceTokenizer.Load(Path.Combine(dir, "tokenizer.json"));
        Assert.Equal(new[] { Cls, L('a'), L('b'), Sep }, ((MLTokenizer)uncased).EncodeToIds("A b"));
    }

    [Fact] // Another model type (or normalizer) is refused with an error naming the file and what it found.
    public void RefusesOtherTokenizerJsonModels()
    {
        string dir = TempFolder();
        string path = Path.Combine(dir, "tokenizer.json");
        var bpe = TokenizerJson(lowercase: true);
        bpe["model"]!["type"] = "BPE";
        File.WriteAllText(path, bpe.ToJsonString());
        var e = Assert.Throws<InvalidDataException>(() => WordPieceTokenizer.Load(dir));
        Assert.Contains("tokenizer.json", e.Message);
        Assert.Contains("BPE", e.Message);
        var nfkc = TokenizerJson(lowercase: true);
        nfkc["normalizer"] = new JsonObject { ["type"] = "NFKC" };
        File.WriteAllText(path, nfkc.ToJsonString());
        Assert.Contains("NFKC", Assert.Throws<InvalidDataException>(() => WordPieceTokenizer.Load(path)).Message);
    }

    /// <summary>A tokenizer.json as HF's BertTokenizerFast writes it, for the tiny vocabulary.</summary>
    static JsonObject TokenizerJson(bool lowercase)
    {
        var vocab = new JsonObject();
        for (int id = 0; id < Tiny.VocabSize; id++) vocab[Tiny.Vocabulary[id]] = id;
        return new JsonObject
        {
            ["version"] = "1.0",
            ["added_tokens"] = new JsonArray(new JsonObject { ["id"] = Mask, ["content"] = "[MASK]", ["special"] = true }),
            ["normalizer"] = new JsonObject
            {
                ["type"] = "BertNormalizer", ["clean_text"] = true, ["handle_chinese_chars"] = true, ["strip_accents"] = null, ["lowercase"] = lowercase,
            },
            ["pre_tokenizer"] = new JsonObject { ["type"] = "BertPreTokenizer" },
            ["post_processor"] = new JsonObject
            {
                ["type"] = "BertProcessing", ["sep"] = new JsonArray("[SEP]", Sep), ["cls"] = new JsonArray("[CLS]", Cls),
            },
            ["decoder"] = new JsonObject { ["type"] = "WordPiece", ["prefix"] = "##", ["cleanup"] = true },
            ["model"] = new JsonObject
            {
                ["type"] = "WordPiece", ["unk_token"] = "[UNK]", ["continuing_subword_prefix"] = "##", ["max_input_chars_per_word"] = 100, ["vocab"] = vocab,
            },
        };
    }
}
