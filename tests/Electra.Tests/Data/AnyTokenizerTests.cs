using System.Buffers;
using System.Runtime.InteropServices;
using Electra.Data;
using Electra.Modeling;
using Electra.Training;
using Microsoft.ML.Tokenizers;

namespace Electra.Tests.Data;

/// <summary>
/// Pre-training driven by any Microsoft.ML.Tokenizers <see cref="Tokenizer"/> (PipelineOptions.Tokenizer): ML.NET's own
/// BertTokenizer, a user's subclass, and the refusal of one whose vocabulary lacks a token ELECTRA needs.
/// </summary>
public class AnyTokenizerTests
{
    /// <summary>The fixture's vocabulary: [PAD] [UNK] [CLS] [SEP] [MASK], a..z, ##a..##z, then "w57".."w1023" (id = number).</summary>
    static readonly string Vocab = Path.Combine(TestPaths.Fixture, "vocab.txt");

    static readonly PretrainingOptions Steps = new()
    {
        Preset = ElectraPreset.Tiny, Steps = 2, BatchSize = 4, SaveEvery = 2, EvalEvery = 2, LogEvery = 1, EvalBatches = 1, Seed = 5, Device = "cpu",
    };

    /// <summary>
    /// Lower-case ASCII documents (one sentence a line, a blank line between documents) of letter words and "wNNN"
    /// words, where ML.NET's BertTokenizer and HF's rules agree.
    /// </summary>
    static string WriteCorpus(string dir)
    {
        var random = new Random(11);
        string[] words = ["the", "ship", "sailed", "north", "whale", "crew", "storm", "grey", "sea"];
        var lines = new List<string>();
        for (int d = 0; d < 40; d++)
        {
            for (int s = random.Next(2, 6); s > 0; s--)
                lines.Add(string.Join(' ', Enumerable.Range(0, random.Next(3, 9)).Select(_ => random.Next(3) == 0 ? $"w{random.Next(57, 1024)}" : words[random.Next(words.Length)])) + ".");
            lines.Add("");
        }
        Directory.CreateDirectory(dir);
        string path = Path.Combine(dir, "corpus.txt");
        File.WriteAllLines(path, lines);
        return path;
    }

    static PretrainingResult Pretrain(string corpus, string outputDir, PipelineOptions pipeline) =>
        PretrainingPipeline.Run([corpus], outputDir, Steps, pipeline with { SequenceLength = 32 });

    static byte[][] Shards(string runDir)
    {
        string dataset = Path.Combine(runDir, "dataset");
        var manifest = DatasetManifest.Read(dataset);
        return manifest.Train.Shards.Concat(manifest.Validation.Shards)
            .SelectMany(s => new[] { s.TokensFile, s.IndexFile }).Select(f => File.ReadAllBytes(Path.Combine(dataset, f))).ToArray();
    }

    [Fact] // ML.NET's BertTokenizer drives pre-training and builds, id for id, the dataset Electra's tokenizer builds.
    public void MlNetsBertTokenizerPretrainsOnTheDatasetElectrasTokenizerBuilds()
    {
        using var dir = new TestPaths.TempDir();
        string corpus = WriteCorpus(dir["corpus"]);
        var bert = BertTokenizer.Create(Vocab);
        var viaBert = Pretrain(corpus, dir["bert"], new PipelineOptions { Tokenizer = bert });
        var viaElectra = Pretrain(corpus, dir["electra"], new PipelineOptions { TokenizerDir = TestPaths.Fixture });

        Assert.True(viaBert.Completed);
        Assert.Equal(Shards(dir["electra"]), Shards(dir["bert"]));
        Assert.Equal(DatasetManifest.Read(Path.Combine(dir["electra"], "dataset")).VocabFingerprint,
            DatasetManifest.Read(Path.Combine(dir["bert"], "dataset")).VocabFingerprint);
        // The run folder and the exported models carry the BertTokenizer's vocabulary, line for line.
        Assert.Equal(File.ReadAllLines(Vocab), File.ReadAllLines(Path.Combine(dir["bert"], "tokenizer", "vocab.txt")));
        Assert.Equal(File.ReadAllLines(Vocab), File.ReadAllLines(Path.Combine(dir["bert"], "discriminator", "vocab.txt")));
    }

    [Fact] // Refused before anything is written, naming the token and the tokenizer.
    public void ATokenizerWithoutMaskIsRefusedNamingIt()
    {
        using var dir = new TestPaths.TempDir();
        string corpus = WriteCorpus(dir["corpus"]);
        File.WriteAllLines(dir["vocab.txt"], File.ReadLines(Vocab).Where(t => t != "[MASK]"));
        var noMask = Microsoft.ML.Tokenizers.WordPieceTokenizer.Create(dir["vocab.txt"]);
        var e = Assert.Throws<ArgumentException>(() => Pretrain(corpus, dir["run"], new PipelineOptions { Tokenizer = noMask }));
        Assert.Contains("lacks [MASK]", e.Message);
        Assert.Contains(nameof(Microsoft.ML.Tokenizers.WordPieceTokenizer), e.Message);
        Assert.False(Directory.Exists(dir["run"]));
    }

    [Fact] // A user's own Tokenizer subclass pre-trains once given its vocabulary (Tokenizer has no vocabulary API).
    public void AUserSubclassOfTokenizerPretrains()
    {
        using var dir = new TestPaths.TempDir();
        string corpus = WriteCorpus(dir["corpus"]);
        var vocabulary = File.ReadAllLines(Vocab);
        var whole = new WholeWordTokenizer(vocabulary);
        var unread = Assert.Throws<ArgumentException>(() => Pretrain(corpus, dir["refused"], new PipelineOptions { Tokenizer = whole }));
        Assert.Contains("pass its tokens by id", unread.Message);

        var result = Pretrain(corpus, dir["run"], new PipelineOptions { Tokenizer = whole, TokenizerVocabulary = vocabulary });
        Assert.True(result.Completed);
        // Every id in the dataset is [CLS], [SEP], [UNK] for the letter words, or a "wNNN" word's own id (packing may cut some).
        var ids = Shards(dir["run"]).Where((_, i) => i % 2 == 0).SelectMany(b => MemoryMarshal.Cast<byte, ushort>(b).ToArray()).ToHashSet();
        var words = File.ReadAllText(corpus).Split([' ', '\n', '.'], StringSplitOptions.RemoveEmptyEntries)
            .Where(w => w[0] == 'w' && char.IsDigit(w[1])).Select(w => (ushort)int.Parse(w[1..]));
        Assert.Subset(new ushort[] { 1, 2, 3 }.Concat(words).ToHashSet(), ids);
        Assert.Superset(new HashSet<ushort> { 1, 2, 3 }, ids);
    }
}

/// <summary>A user's tokenizer: whitespace words (a final "." dropped) looked up whole, <c>[UNK]</c> otherwise.</summary>
sealed class WholeWordTokenizer(IReadOnlyList<string> vocabulary) : Tokenizer
{
    readonly Dictionary<string, int> ids = vocabulary.Select((t, i) => (t, i)).ToDictionary(p => p.t, p => p.i);

    protected override EncodeResults<EncodedToken> EncodeToTokens(string? text, ReadOnlySpan<char> textSpan, EncodeSettings settings)
    {
        string s = text ?? textSpan.ToString();
        var tokens = new List<EncodedToken>();
        int at = 0;
        foreach (string word in s.Split(' ', StringSplitOptions.RemoveEmptyEntries))
        {
            int start = s.IndexOf(word, at, StringComparison.Ordinal);
            at = start + word.Length;
            int id = ids.TryGetValue(word.TrimEnd('.'), out int known) ? known : ids["[UNK]"];
            tokens.Add(new EncodedToken(id, vocabulary[id], new Range(start, at)));
        }
        return new EncodeResults<EncodedToken> { Tokens = tokens, CharsConsumed = s.Length };
    }

    public override OperationStatus Decode(IEnumerable<int> ids, Span<char> destination, out int idsConsumed, out int charsWritten)
    {
        string text = string.Join(' ', ids.Select(id => vocabulary[id]));
        idsConsumed = charsWritten = 0;
        if (text.Length > destination.Length) return OperationStatus.DestinationTooSmall;
        text.CopyTo(destination);
        (idsConsumed, charsWritten) = (ids.Count(), text.Length);
        return OperationStatus.Done;
    }
}
