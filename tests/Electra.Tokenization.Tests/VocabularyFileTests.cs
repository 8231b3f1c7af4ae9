using System.Text.Json.Nodes;
using static Electra.Tokenization.Tests.Fixtures;

namespace Electra.Tokenization.Tests;

/// <summary>Loading and saving HF's vocab.txt + tokenizer_config.json, and the errors bad files give.</summary>
public class VocabularyFileTests
{
    [Fact] // The tiny fixture loads with BERT-uncased defaults (no tokenizer_config.json beside it).
    public void LoadsTheFixture()
    {
        Assert.Equal(1024, Tiny.VocabSize);
        Assert.Equal((Pad, Unk, Cls, Sep, Mask), (Tiny.PadId, Tiny.UnkId, Tiny.ClsId, Tiny.SepId, Tiny.MaskId));
        Assert.True(Tiny.Options.DoLowerCase);
        Assert.Equal("##z", Tiny.IdToToken(56));
    }

    [Fact] // Save writes HF's layout; Load (folder or file path) gives back the same vocabulary and options.
    public void SaveLoadRoundTrip()
    {
        string dir = TempFolder();
        var options = new TokenizerOptions { DoLowerCase = false, StripAccents = true, TokenizeChineseChars = false, ModelMaxLength = 128 };
        var original = WordPieceTokenizer.FromVocabulary(Tiny.Vocabulary, options);
        original.Save(dir);
        Assert.Equal(Tiny.Vocabulary, File.ReadAllLines(Path.Combine(dir, "vocab.txt")));
        var config = JsonNode.Parse(File.ReadAllText(Path.Combine(dir, "tokenizer_config.json")))!;
        Assert.Equal("ElectraTokenizer", (string?)config["tokenizer_class"]);
        Assert.False((bool)config["do_lower_case"]!);
        foreach (string path in new[] { dir, Path.Combine(dir, "vocab.txt") })
        {
            var loaded = WordPieceTokenizer.Load(path);
            Assert.Equal(original.Vocabulary, loaded.Vocabulary);
            Assert.Equal(options, loaded.Options);
        }
        Assert.Empty(Directory.GetFiles(dir, "*.tmp"));
    }

    [Fact] // HF writes special tokens as AddedToken objects and "no limit" as 1e30; both read.
    public void ReadsHfConfigVariants()
    {
        string dir = TempFolder();
        File.Copy(TinyVocab, Path.Combine(dir, "vocab.txt"));
        File.WriteAllText(Path.Combine(dir, "tokenizer_config.json"),
            """{"do_lower_case": true, "strip_accents": null, "mask_token": {"__type": "AddedToken", "content": "[MASK]"}, "model_max_length": 1000000000000000019884624838656, "extra": [1]}""");
        var t = WordPieceTokenizer.Load(dir);
        Assert.Equal(int.MaxValue, t.Options.ModelMaxLength);
        Assert.Equal(Mask, t.MaskId);
    }

    [Fact] // A missing special token is an error naming the file and the token.
    public void MissingSpecialTokenIsAnError()
    {
        string dir = TempFolder();
        File.WriteAllLines(Path.Combine(dir, "vocab.txt"), Tiny.Vocabulary.Where(t => t != "[MASK]"));
        var e = Assert.Throws<InvalidDataException>(() => WordPieceTokenizer.Load(dir));
        Assert.Contains("vocab.txt", e.Message);
        Assert.Contains("[MASK]", e.Message);
        Assert.Throws<ArgumentException>(() => WordPieceTokenizer.FromVocabulary(["[PAD]", "[UNK]"]));
    }

    [Fact] // Duplicates: every line keeps its id, the token maps to its later line (HF's load_vocab dict).
    public void DuplicateEntriesMapToTheLaterId()
    {
        var t = WordPieceTokenizer.FromVocabulary([.. Tiny.Vocabulary, "a"]);
        Assert.Equal(1025, t.VocabSize);
        Assert.Equal(new[] { 1024 }, t.TokenizeToIds("a"));
        Assert.Equal("a", t.IdToToken(L('a')));
    }

    [Fact] // Invalid UTF-8 is an error naming the file and line; CRLF line ends and a BOM are accepted.
    public void InvalidUtf8NamesFileAndLine()
    {
        string dir = TempFolder();
        string path = Path.Combine(dir, "vocab.txt");
        File.WriteAllBytes(path, [.. System.Text.Encoding.UTF8.GetBytes("[PAD]\n[UNK]\nab"), 0xC3, 0x28, (byte)'\n']);
        var e = Assert.Throws<InvalidDataException>(() => WordPieceTokenizer.Load(path));
        Assert.Contains("vocab.txt:3", e.Message);
        File.WriteAllBytes(path, [0xEF, 0xBB, 0xBF, .. System.Text.Encoding.UTF8.GetBytes(string.Join("\r\n", Tiny.Vocabulary) + "\r\n")]);
        Assert.Equal(Tiny.Vocabulary, WordPieceTokenizer.Load(path).Vocabulary);
        Assert.Throws<FileNotFoundException>(() => WordPieceTokenizer.Load(Path.Combine(dir, "missing")));
    }
}
