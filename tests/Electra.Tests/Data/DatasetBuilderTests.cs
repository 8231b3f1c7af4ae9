using Electra.Data;
using static Electra.Testing.DataTestKit;

namespace Electra.Tests.Data;

public class DatasetBuilderTests : IDisposable
{
    readonly DataTestKit kit = new();

    public void Dispose() => kit.Dispose();

    static List<int[]> ReadAll(string folder, DatasetSplit split)
    {
        using var dataset = PretrainingDataset.Open(folder, split);
        var result = new List<int[]>();
        var buffer = new long[dataset.Manifest.MaxSeqLength];
        for (long i = 0; i < dataset.Count; i++)
        {
            int n = dataset.CopyTo(i, buffer);
            Assert.Equal(n, dataset.Length(i));
            result.Add(buffer[..n].Select(x => (int)x).ToArray());
        }
        return result;
    }

    [Theory]
    [InlineData(1000, "uint16", 2, 10)]
    [InlineData(70000, "int32", 4, 65000)]
    public void Shards_round_trip_the_packed_sequences(int vocabSize, string dtype, int width, int firstId)
    {
        var documents = Documents(seed: 4, documents: 60, maxSentences: 10, maxSentence: 25, firstId, vocabSize);
        string corpus = kit.Write("corpus.txt", Text(documents));
        var options = new DatasetBuildOptions
        {
            Packing = new PackingOptions { MaxSequenceLength = 48 },
            ValidationFraction = 0,
            ShardTokens = 1000, // several shards
            BatchCharacters = 2000, // several tokenizer batches
        };
        var reports = new List<DatasetBuildProgress>();
        var manifest = DatasetBuilder.Build([corpus], kit.PathOf("ds"), Encode, Vocabulary(vocabSize), options, new SyncProgress<DatasetBuildProgress>(reports.Add));

        // The builder's train stream is exactly a packer seeded from (seed, 0) over every document.
        var expected = new List<int[]>();
        var packer = new SequencePacker(options.Packing, Cls, Sep, Electra.Data.DeterministicHash.Seed(options.Seed, 0));
        foreach (var d in documents) packer.AddDocument(d, expected);
        Assert.Equal(expected, ReadAll(kit.PathOf("ds"), DatasetSplit.Train));
        if (vocabSize > 65536) Assert.Contains(expected, s => s.Any(id => id > 65535));

        Assert.Equal(dtype, manifest.Dtype);
        Assert.True(manifest.Train.Shards.Count > 1);
        Assert.Equal(expected.Count, manifest.Train.Sequences);
        Assert.Equal(expected.Sum(s => (long)s.Length), manifest.Train.Tokens);
        Assert.Equal(60, manifest.Train.Documents);
        Assert.Empty(manifest.Validation.Shards);
        foreach (var shard in manifest.Train.Shards)
        {
            Assert.Equal(shard.Tokens * width, new FileInfo(kit.PathOf("ds/" + shard.TokensFile)).Length);
            Assert.Equal(shard.Sequences * 12, new FileInfo(kit.PathOf("ds/" + shard.IndexFile)).Length);
        }
        Assert.Equal(manifest, DatasetManifest.Read(kit.PathOf("ds")) with { Corpus = manifest.Corpus, Train = manifest.Train, Validation = manifest.Validation });
        Assert.Equal("test-vocab", DatasetManifest.Read(kit.PathOf("ds")).VocabFingerprint);
        Assert.Empty(Directory.GetFiles(kit.PathOf("ds"), "*.tmp"));
        Assert.Equal(manifest.Train.Tokens, reports[^1].Tokens);
        Assert.Equal(60, reports[^1].TotalDocuments);
    }

    [Fact]
    public void Validation_split_is_disjoint_deterministic_and_never_empty()
    {
        // Each document's ids lie in their own range, so a token tells which document it came from.
        var documents = Enumerable.Range(0, 200).Select(d => new List<int[]> { Enumerable.Range(1000 + 100 * d, 30).ToArray() }).ToList();
        string corpus = kit.Write("docs.txt", Text(documents));
        var options = new DatasetBuildOptions { ValidationFraction = 0.1, Packing = new PackingOptions { MaxSequenceLength = 16 } };
        var manifest = DatasetBuilder.Build([corpus], kit.PathOf("ds"), Encode, Vocabulary(30000), options);

        HashSet<int> DocumentsOf(DatasetSplit split) =>
            ReadAll(kit.PathOf("ds"), split).SelectMany(s => s).Where(id => id >= 1000).Select(id => (id - 1000) / 100).ToHashSet();
        var train = DocumentsOf(DatasetSplit.Train);
        var validation = DocumentsOf(DatasetSplit.Validation);
        Assert.Empty(train.Intersect(validation));
        Assert.Equal(200, train.Count + validation.Count);
        Assert.InRange(validation.Count, 8, 35);
        Assert.Equal(validation.Count, manifest.Validation.Documents);

        DatasetBuilder.Build([corpus], kit.PathOf("again"), Encode, Vocabulary(30000), options);
        Assert.Equal(ReadAll(kit.PathOf("ds"), DatasetSplit.Validation), ReadAll(kit.PathOf("again"), DatasetSplit.Validation));

        // Three documents at 1%: still one held out.
        string small = kit.Write("small.txt", Text(documents.Take(3)));
        var tiny = DatasetBuilder.Build([small], kit.PathOf("tiny"), Encode, Vocabulary(30000), options with { ValidationFraction = 0.01 });
        Assert.Equal((2, 1), (tiny.Train.Documents, tiny.Validation.Documents));
    }

    [Fact]
    public void A_folder_holding_a_different_dataset_or_other_files_is_refused_unless_overwriting()
    {
        string corpus = kit.Write("c.txt", Text(Documents(seed: 1, documents: 5, maxSentences: 3, maxSentence: 5)));
        string output = kit.PathOf("ds");
        var options = new DatasetBuildOptions { Packing = new PackingOptions { MaxSequenceLength = 16 }, ShardTokens = 20 };
        var first = DatasetBuilder.Build([corpus], output, Encode, Vocabulary(100), options);
        DatasetBuilder.Build([corpus], output, Encode, Vocabulary(100), options); // the same dataset again: fine

        var e = Assert.Throws<IOException>(() => DatasetBuilder.Build([corpus], output, Encode, Vocabulary(100), options with { Seed = 9 }));
        Assert.Contains("different dataset", e.Message);
        Assert.Throws<IOException>(() => DatasetBuilder.Build([corpus], output, Encode, Vocabulary(100) with { Fingerprint = "other" }, options));

        var replaced = DatasetBuilder.Build([corpus], output, Encode, Vocabulary(100), options with { Seed = 9, ShardTokens = 1000, Overwrite = true });
        Assert.Single(replaced.Train.Shards);
        Assert.True(first.Train.Shards.Count > 1);
        var files = Directory.GetFiles(output).Select(f => Path.GetFileName(f)!).Order().ToArray();
        Assert.Equal(["dataset.json", "train-00000.bin", "train-00000.idx", "validation-00000.bin", "validation-00000.idx"], files); // stale shards removed

        kit.Write("other/notes.txt", "mine");
        e = Assert.Throws<IOException>(() => DatasetBuilder.Build([corpus], kit.PathOf("other"), Encode, Vocabulary(100), options));
        Assert.Contains("notes.txt", e.Message);
    }

    [Fact]
    public void Encoder_ids_outside_the_vocabulary_name_the_document()
    {
        string corpus = kit.Write("c.txt", "1 2 3\n\n5 500 6\n");
        var e = Assert.Throws<InvalidDataException>(() => DatasetBuilder.Build([corpus], kit.PathOf("ds"), Encode, Vocabulary(100)));
        Assert.Contains($"{corpus}:3:", e.Message);
        Assert.Contains("500", e.Message);
        Assert.False(File.Exists(kit.PathOf("ds/dataset.json")));
    }

    [Fact]
    public void Vocabulary_mismatch_is_detected_when_opening()
    {
        string corpus = kit.Write("c.txt", "11 12 13\n");
        DatasetBuilder.Build([corpus], kit.PathOf("ds"), Encode, Vocabulary(100));
        using var dataset = PretrainingDataset.Open(kit.PathOf("ds"));
        dataset.EnsureVocabulary(100, "test-vocab");
        Assert.Throws<InvalidDataException>(() => dataset.EnsureVocabulary(100, "another-vocab"));
        Assert.Throws<InvalidDataException>(() => dataset.EnsureVocabulary(101, "test-vocab"));
    }

    [Fact]
    public void Damaged_shard_is_reported()
    {
        string corpus = kit.Write("c.txt", "11 12 13\n\n14 15\n");
        var manifest = DatasetBuilder.Build([corpus], kit.PathOf("ds"), Encode, Vocabulary(100));
        File.AppendAllText(kit.PathOf("ds/" + manifest.Train.Shards[0].TokensFile), "x");
        var e = Assert.Throws<InvalidDataException>(() => PretrainingDataset.Open(kit.PathOf("ds")));
        Assert.Contains("damaged", e.Message);
    }

    [Fact]
    public void Builds_the_test_pretraining_corpus()
    {
        // Word-level stand-in for WordPiece: a stable hash of each lower-cased word.
        static int[] Words(string text) => text.Split(' ', StringSplitOptions.RemoveEmptyEntries)
            .Select(w => 5 + (int)(Fnv(w.ToLowerInvariant()) % 30000)).ToArray();
        var manifest = DatasetBuilder.Build([TestPaths.Pretrain], kit.PathOf("ds"), Words, new DatasetVocabulary(30005, 1, 2, 0, "words"));
        Assert.Equal(50, manifest.Train.Documents + manifest.Validation.Documents); // brown 10 + moby-dick 30 + sotu 10
        Assert.InRange(manifest.Validation.Documents, 1, 20);
        using var dataset = PretrainingDataset.Open(kit.PathOf("ds"));
        var buffer = new long[128];
        for (long i = 0; i < dataset.Count; i += 97)
        {
            int n = dataset.CopyTo(i, buffer);
            Assert.InRange(n, 3, 128);
            Assert.Equal(1, buffer[0]);
            Assert.Equal(2, buffer[n - 1]);
        }
    }

    static uint Fnv(string s)
    {
        uint h = 2166136261;
        foreach (char c in s) h = (h ^ c) * 16777619;
        return h;
    }

    /// <summary>Reports synchronously (<see cref="Progress{T}"/> posts to the thread pool, too late for assertions).</summary>
    sealed class SyncProgress<T>(Action<T> report) : IProgress<T>
    {
        public void Report(T value) => report(value);
    }
}
