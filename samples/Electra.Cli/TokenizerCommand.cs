using System.CommandLine;
using System.Diagnostics;
using System.Globalization;
using System.Text;
using Electra.Data;
using Electra.IO;
using Electra.Tokenization;

namespace Electra.Cli;

/// <summary>
/// <c>electra tokenizer train|encode</c>: learn a WordPiece vocabulary, or encode a file line by line to JSON ids
/// (the contract users check parity with Python against: one JSON array per input line, <c>[CLS] … [SEP]</c>, no truncation or padding).
/// </summary>
static class TokenizerCommand
{
    static readonly WordPieceTrainerOptions Defaults = new();
    static readonly Option<string[]> Corpus = CliOption.Many("--corpus",
        "text or .jsonl files, or folders of them, read as `pretrain` and `data` read them (sentences; .jsonl: the text field)", required: true, valueName: "PATH");
    static readonly Option<int?> VocabSize = CliOption.OptionalInt("--vocab-size", "vocabulary size to learn, special tokens included", min: 1, required: true);
    static readonly Option<string> Out = CliOption.OutputFolder("--out", "folder to write vocab.txt and tokenizer_config.json", required: true);
    static readonly Option<int> MinFrequency = CliOption.Int("--min-frequency", Defaults.MinFrequency, "ignore pairs seen fewer times", min: 1);
    static readonly Option<string> Lowercase = CliOption.Choice("--lowercase", "true", "lower-case and strip accents (BERT uncased)", "true", "false");
    static readonly Option<string> Vocab = CliOption.Text("--vocab", "vocab.txt or a tokenizer folder", required: true, valueName: "PATH");
    static readonly Option<string> Input = CliOption.Text("--input", "text file to encode, one text per line", required: true, valueName: "FILE");
    static readonly Option<string> Output = CliOption.OutputFile("--output", "JSON lines to write: one [CLS] … [SEP] id array per input line", "FILE.jsonl");

    const int EncodeChunk = 4096;

    /// <summary>The command a trained tokenizer folder's marker names.</summary>
    const string TrainOwner = "tokenizer train";

    public static Command Create()
    {
        var train = CliOption.Command("train", "learn a WordPiece vocabulary (HF tokenizers' trainer) from a corpus", Train,
            Corpus, VocabSize, Out, MinFrequency, Lowercase);
        var encode = CliOption.Command("encode", "encode a file line by line to JSON ids (no truncation or padding)", Encode, Vocab, Input, Output);
        return new Command("tokenizer", "train a WordPiece vocabulary, or encode text with one") { train, encode };
    }

    static int Train(ParseResult r)
    {
        var corpus = r.GetRequiredValue(Corpus);
        int vocabSize = r.GetRequiredValue(VocabSize)!.Value;
        string outDir = r.GetRequiredValue(Out);
        int minFrequency = r.GetValue(MinFrequency);
        bool lowerCase = r.GetRequiredValue(Lowercase) == "true";

        var files = CorpusReader.ListFiles(corpus); // a missing path fails here (exit 1, named), before any work
        OutputFolder.Check(outDir, TrainOwner, "--out", CorpusCommand.Inputs(corpus));
        var options = new WordPieceTrainerOptions
        {
            VocabSize = vocabSize,
            MinFrequency = minFrequency,
            Tokenizer = new TokenizerOptions { DoLowerCase = lowerCase },
        };
        long totalBytes = files.Sum(f => new FileInfo(f).Length);
        var clock = Stopwatch.StartNew();
        var progress = new ConsoleProgress();
        var tokenizer = CorpusVocabulary.Train(files, options, progress, warn: w => Console.Error.WriteLine($"warning: {w}"));
        OutputFolder.Commit(outDir, TrainOwner, tokenizer.Save);
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"trained {tokenizer.VocabSize} tokens (requested {vocabSize}) from {files.Count} file(s), {totalBytes / 1e6:F1} MB, " +
            $"{progress.Last?.TextsRead ?? 0} sentences, {progress.Last?.DistinctWords ?? 0} distinct words in {clock.Elapsed.TotalSeconds:F1} s; " +
            $"wrote {Path.Combine(outDir, "vocab.txt")} and tokenizer_config.json"));
        return 0;
    }

    /// <summary>Loads a tokenizer for a command, warning on stderr about a vocabulary that lists tokens twice.</summary>
    internal static WordPieceTokenizer Load(string vocabFileOrFolder)
    {
        var tokenizer = WordPieceTokenizer.Load(vocabFileOrFolder);
        if (TokenizerVocabulary.DuplicatesWarning(tokenizer, vocabFileOrFolder) is { } warning) Console.Error.WriteLine($"warning: {warning}");
        return tokenizer;
    }

    static int Encode(ParseResult r)
    {
        string vocab = r.GetRequiredValue(Vocab);
        string input = r.GetRequiredValue(Input);
        string output = r.GetRequiredValue(Output);
        if (!File.Exists(input)) throw new FileNotFoundException($"--input {input}: no such file");
        OutputFolder.CheckFile(output, "--output", (input, "--input"), (vocab, "--vocab"));
        var tokenizer = Load(vocab);

        long lines = 0, tokens = 0;
        var clock = Stopwatch.StartNew();
        AtomicFile.Write(output, stream =>
        {
            using var writer = new StreamWriter(stream, new UTF8Encoding(false), leaveOpen: true) { NewLine = "\n" };
            var chunk = new List<string>(EncodeChunk);
            void Flush()
            {
                var encoded = new string[chunk.Count];
                Parallel.For(0, chunk.Count, i =>
                {
                    int[] ids = tokenizer.TokenizeToIds(chunk[i]);
                    var sb = new StringBuilder(ids.Length * 5 + 8).Append('[').Append(tokenizer.ClsId);
                    foreach (int id in ids) sb.Append(',').Append(id);
                    encoded[i] = sb.Append(',').Append(tokenizer.SepId).Append(']').ToString();
                    Interlocked.Add(ref tokens, ids.Length + 2);
                });
                foreach (string line in encoded) writer.WriteLine(line);
                lines += chunk.Count;
                chunk.Clear();
            }
            foreach (string line in Utf8Lines.Read(input))
            {
                chunk.Add(line);
                if (chunk.Count == EncodeChunk) Flush();
            }
            Flush();
        });
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"encoded {lines} lines into {tokens} tokens in {clock.Elapsed.TotalSeconds:F1} s → {output}"));
        return 0;
    }

    /// <summary>Prints the trainer's progress on one line, at most every half second.</summary>
    sealed class ConsoleProgress : IProgress<WordPieceTrainerProgress>
    {
        readonly Stopwatch clock = Stopwatch.StartNew();
        TimeSpan lastPrint = -TimeSpan.FromDays(1);

        public WordPieceTrainerProgress? Last { get; private set; }

        public void Report(WordPieceTrainerProgress p)
        {
            Last = p;
            if (p.Phase != WordPieceTrainingPhase.Done && clock.Elapsed - lastPrint < TimeSpan.FromSeconds(0.5)) return;
            lastPrint = clock.Elapsed;
            string line = p.Phase == WordPieceTrainingPhase.CountingWords
                ? $"counting words: {p.TextsRead} sentences, {p.DistinctWords} distinct words"
                : $"merging: {p.VocabularySize}/{p.TargetVocabularySize} tokens";
            Console.Error.WriteLine(string.Create(CultureInfo.InvariantCulture, $"[{clock.Elapsed.TotalSeconds,6:F1}s] {line}"));
        }
    }
}
