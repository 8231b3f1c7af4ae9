using System.Formats.Tar;
using System.IO.Compression;
using System.Text;
using Electra.Corpora;
using Electra.Data;

namespace Electra.Tests.Data;

public class CorpusDownloaderTests : IDisposable
{
    readonly DataTestKit kit = new();

    public void Dispose() => kit.Dispose();

    static string Json(string text) => System.Text.Json.JsonSerializer.Serialize(new { chapter = "x", text });

    void FakePackage(string root)
    {
        kit.Write($"{root}/moby-dick/data/chapter_10.json", Json("Tenth chapter."));
        kit.Write($"{root}/moby-dick/data/chapter_2.json", Json("Second chapter. It has two sentences.\n\nAnd a second paragraph."));
        kit.Write($"{root}/moby-dick/data/chapter_1.json", Json("Call me Ishmael. Some years ago."));
        kit.Write($"{root}/moby-dick/data/etymology.json", Json("ETYMOLOGY. (Supplied by a Late Consumptive Usher.)"));
        kit.Write($"{root}/moby-dick/data/epilogue.json", Json("The drama's done."));
        kit.Write($"{root}/moby-dick/data/contents.json", Json("Not part of the text."));
        kit.Write($"{root}/moby-dick/data/file_list.json", "[\"chapter_1.txt\"]");
        kit.Write($"{root}/sotu/data/1791_george_washington_n.json", Json("Second address. [Applause] Thank you."));
        kit.Write($"{root}/sotu/data/1790_george_washington_n.json", Json("Fellow-Citizens of the Senate: I meet you. (Laughter.) The end."));
    }

    [Fact]
    public void Converts_the_package_folders_to_one_sentence_per_line_and_one_document_per_chapter_or_address()
    {
        FakePackage("pkg");
        var files = CorpusDownloader.Convert(kit.PathOf("pkg"), kit.PathOf("out"));
        Assert.Equal(
            "ETYMOLOGY.\n(Supplied by a Late Consumptive Usher.)\n\nCall me Ishmael.\nSome years ago.\n\n" +
            "Second chapter.\nIt has two sentences.\nAnd a second paragraph.\n\nTenth chapter.\n\nThe drama's done.\n",
            File.ReadAllText(kit.PathOf("out/moby-dick.txt")));
        Assert.Equal(
            "Fellow-Citizens of the Senate: I meet you.\nThe end.\n\nSecond address.\nThank you.\n",
            File.ReadAllText(kit.PathOf("out/sotu.txt")));
        Assert.Equal([("moby-dick.txt", 5L, 9L), ("sotu.txt", 2L, 4L)], files.Select(f => (f.Name, f.Documents, f.Sentences)));
        Assert.Contains("\"sha256\": \"" + CorpusDownloader.TarballSha256, File.ReadAllText(kit.PathOf("out/corpus.json")));
        // The result is a corpus the reader accepts.
        Assert.Equal(7, CorpusReader.ReadDocuments([kit.PathOf("out")]).Count());
    }

    [Fact]
    public void Fetch_is_a_no_op_when_the_folder_is_complete()
    {
        FakePackage("pkg");
        var converted = CorpusDownloader.Convert(kit.PathOf("pkg"), kit.PathOf("cache"));
        var result = CorpusDownloader.Fetch(kit.PathOf("cache")); // would need npm and the network otherwise
        Assert.True(result.AlreadyPresent);
        Assert.Equal(converted, result.Files);
        Assert.Equal(converted.Sum(f => f.Bytes), result.Bytes);
    }

    [Fact]
    public void Extracts_only_the_two_folders_and_rejects_escaping_entries()
    {
        byte[] Tarball(params (string Name, string Text)[] entries)
        {
            var memory = new MemoryStream();
            using (var gzip = new GZipStream(memory, CompressionLevel.Fastest, leaveOpen: true))
            using (var tar = new TarWriter(gzip))
                foreach (var (name, text) in entries)
                    tar.WriteEntry(new PaxTarEntry(TarEntryType.RegularFile, name) { DataStream = new MemoryStream(Encoding.UTF8.GetBytes(text)) });
            return memory.ToArray();
        }

        var good = Tarball(("package/moby-dick/data/chapter_1.json", "{}"), ("package/sotu/data/1790_a.json", "{}"),
            ("package/README.md", "x"), ("package/iris/data/data.json", "{}"));
        CorpusDownloader.ExtractPackage(new MemoryStream(good), kit.PathOf("x"));
        var extracted = Directory.GetFiles(kit.PathOf("x"), "*", SearchOption.AllDirectories)
            .Select(f => Path.GetRelativePath(kit.PathOf("x"), f)).Order().ToArray();
        Assert.Equal(["package/moby-dick/data/chapter_1.json", "package/sotu/data/1790_a.json"], extracted);

        var evil = Tarball(("package/sotu/../../../escaped.json", "{}"));
        Assert.Throws<InvalidDataException>(() => CorpusDownloader.ExtractPackage(new MemoryStream(evil), kit.PathOf("y")));
    }

    [Fact]
    public void Missing_data_folder_is_named()
    {
        kit.Write("half/moby-dick/data/chapter_1.json", Json("Only Moby."));
        var e = Assert.Throws<DirectoryNotFoundException>(() => CorpusDownloader.Convert(kit.PathOf("half"), kit.PathOf("out")));
        Assert.Contains("sotu", e.Message);
    }

    [Fact]
    public void Default_folder_follows_xdg_cache_home()
    {
        string? saved = Environment.GetEnvironmentVariable("XDG_CACHE_HOME");
        try
        {
            Environment.SetEnvironmentVariable("XDG_CACHE_HOME", "/tmp/xdg-test");
            Assert.Equal("/tmp/xdg-test/electra/corpora/default", CorpusDownloader.DefaultFolder);
        }
        finally
        {
            Environment.SetEnvironmentVariable("XDG_CACHE_HOME", saved);
        }
    }
}
