using Electra.Data;

namespace Electra.Tests.Data;

public class CorpusReaderTests : IDisposable
{
    readonly DataTestKit kit = new();

    public void Dispose() => kit.Dispose();

    static List<CorpusDocument> Read(params string[] paths) => CorpusReader.ReadDocuments(paths).ToList();

    [Fact]
    public void Plain_text_documents_are_separated_by_blank_lines()
    {
        string path = kit.Write("a.txt", "\uFEFFFirst sentence.\r\nSecond one.\n\n  \nThird.\n\n\n");
        var documents = Read(path);
        Assert.Equal(2, documents.Count);
        Assert.Equal(["First sentence.", "Second one."], documents[0].Sentences);
        Assert.Equal((path, 1), (documents[0].Source, documents[0].Line));
        Assert.Equal(["Third."], documents[1].Sentences);
        Assert.Equal(5, documents[1].Line);
    }

    [Fact]
    public void Long_lines_are_split_into_sentences()
    {
        string sentence = "This is a fairly ordinary sentence with several words in it.";
        string line = string.Join(' ', Enumerable.Repeat(sentence, 40)); // > LongLineCharacters
        var documents = Read(kit.Write("long.txt", line + "\nShort line stays whole. Even with two sentences.\n"));
        Assert.Equal(41, documents[0].Sentences.Count);
        Assert.All(documents[0].Sentences.Take(40), s => Assert.Equal(sentence, s));
        Assert.Equal("Short line stays whole. Even with two sentences.", documents[0].Sentences[40]);
    }

    [Fact]
    public void Jsonl_lines_are_documents_and_folders_are_read_recursively_in_path_order()
    {
        kit.Write("corpus/b/z.jsonl", "{\"text\": \"One. Two!\\n\\nThree?\", \"id\": 1}\n\n{\"text\": \"\"}\n{\"text\": \"Four.\"}\n");
        kit.Write("corpus/a.txt", "Zero.\n");
        kit.Write("corpus/ignored.md", "Not read.\n");
        var documents = Read(kit.PathOf("corpus"));
        Assert.Equal([["Zero."], ["One.", "Two!", "Three?"], ["Four."]], documents.Select(d => d.Sentences.ToArray()).ToArray());
        Assert.Equal(4, documents[2].Line);
    }

    [Fact]
    public void Missing_path_is_named()
    {
        var e = Assert.Throws<FileNotFoundException>(() => Read(kit.PathOf("nope.txt")));
        Assert.Contains("nope.txt", e.Message);
    }

    [Fact]
    public void Empty_corpus_is_an_error()
    {
        kit.Write("empty/a.txt", "");
        kit.Write("empty/b.txt", "\n   \n\n");
        var e = Assert.Throws<InvalidDataException>(() => Read(kit.PathOf("empty")));
        Assert.Contains("holds no text", e.Message);
        Assert.Throws<InvalidDataException>(() => Read(Directory.CreateDirectory(kit.PathOf("none")).FullName));
    }

    [Fact]
    public void Binary_file_is_reported_with_file_and_line()
    {
        string path = kit.PathOf("model.bin.txt");
        File.WriteAllBytes(path, [.. "text\n"u8, .. "more\n"u8, 0x7F, 0x45, 0x4C, 0x46, 0x00, 0x01]);
        var e = Assert.Throws<InvalidDataException>(() => Read(path));
        Assert.Contains($"{path}:3:", e.Message);
        Assert.Contains("NUL", e.Message);
    }

    [Fact]
    public void Invalid_utf8_names_the_line_and_byte()
    {
        string path = kit.PathOf("latin1.txt");
        File.WriteAllBytes(path, [.. "ok line\n\n"u8, .. "caf"u8, 0xE9, .. " au lait\n"u8]);
        var e = Assert.Throws<InvalidDataException>(() => Read(path));
        Assert.Contains($"{path}:3: invalid UTF-8 at byte 4", e.Message);
    }

    [Fact]
    public void Jsonl_without_text_field_or_with_bad_json_names_the_line()
    {
        string missing = kit.Write("missing.jsonl", "{\"text\": \"Fine.\"}\n{\"body\": \"No text field.\"}\n");
        var e = Assert.Throws<InvalidDataException>(() => Read(missing));
        Assert.Contains($"{missing}:2:", e.Message);
        Assert.Contains("\"text\"", e.Message);

        string bad = kit.Write("bad.jsonl", "{\"text\": \"unterminated}\n");
        e = Assert.Throws<InvalidDataException>(() => Read(bad));
        Assert.Contains($"{bad}:1: not valid JSON", e.Message);
    }
}
