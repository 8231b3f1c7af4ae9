using Electra.Data;
using Electra.Tokenization;

namespace Electra.Bench;

/// <summary>
/// The data path's throughput: WordPiece encoding (one thread, as bench/Electra.Bench.Tokenization's 1-thread
/// rows, which compare it with other tokenizers) and building a dataset folder (tokenize on all cores, pack, write shards).
/// </summary>
sealed class DataBench : IDisposable
{
    readonly string[] files;
    readonly string scratch;
    readonly WordPieceTokenizer tokenizer;

    /// <summary>Trains a 30522-token vocabulary on the smallest corpus file (the model rows' vocabulary size).</summary>
    public DataBench(string corpusDir)
    {
        files = Directory.Exists(corpusDir) ? Directory.GetFiles(corpusDir, "*.txt").Order(StringComparer.Ordinal).ToArray() : Array.Empty<string>();
        if (files.Length == 0) throw new ArgumentException($"--corpus {corpusDir}: expected a folder of *.txt files (one sentence per line, blank line between documents)");
        scratch = Path.Combine(Path.GetTempPath(), $"electra-bench-{Environment.ProcessId}");
        string smallest = files.OrderBy(f => new FileInfo(f).Length).First();
        tokenizer = WordPieceTrainer.TrainFromFiles(new[] { smallest }, new WordPieceTrainerOptions { VocabSize = 30522 });
    }

    /// <summary>Bytes of the corpus.</summary>
    public long CorpusBytes => files.Sum(f => new FileInfo(f).Length);

    /// <summary>Encodes every non-empty line of the corpus on one thread.</summary>
    public Row Tokenizer(int repetitions)
    {
        Memory.ResetPeak();
        var texts = files.SelectMany(f => Utf8Lines.Read(f)).Where(t => t.Length > 0).ToArray();
        long bytes = texts.Sum(t => (long)System.Text.Encoding.UTF8.GetByteCount(t));
        long tokens = 0;
        var timing = Timing.Measure(() =>
        {
            tokens = 0;
            foreach (string t in texts) tokens += tokenizer.TokenizeToIds(t).Length;
        }, warmup: 1, repetitions);
        var extra = new Dictionary<string, object> { ["mb_per_s"] = bytes / 1e6 / timing.Median, ["bytes"] = bytes, ["threads"] = 1, ["vocab_size"] = tokenizer.VocabSize };
        return new Row("tokenizer", tokens / timing.Median, timing.Median * 1e3, null, Memory.PeakRssMb(), timing, extra);
    }

    /// <summary>Builds the dataset folder of the whole corpus (L = 128) into a scratch folder, overwriting it each repetition.</summary>
    public Row DatasetBuild(int repetitions)
    {
        Memory.ResetPeak();
        string output = Path.Combine(scratch, "dataset");
        var vocabulary = TokenizerVocabulary.Describe(tokenizer);
        long tokens = 0;
        var timing = Timing.Measure(() =>
            tokens = DatasetBuilder.Build(files, output, tokenizer.TokenizeToIds, vocabulary, new DatasetBuildOptions { Overwrite = true }).Train.Tokens,
            warmup: 0, repetitions);
        var extra = new Dictionary<string, object> { ["mb_per_s"] = CorpusBytes / 1e6 / timing.Median, ["bytes"] = CorpusBytes, ["threads"] = Environment.ProcessorCount };
        return new Row("dataset-build", tokens / timing.Median, timing.Median * 1e3, null, Memory.PeakRssMb(), timing, extra);
    }

    /// <summary>Deletes the scratch folder.</summary>
    public void Dispose()
    {
        if (Directory.Exists(scratch)) Directory.Delete(scratch, recursive: true);
    }
}
