using System.Diagnostics;
using System.Globalization;
using System.Runtime.InteropServices;
using System.Text.Json;
using Electra.Tokenization;

// Encoding throughput of Electra.Tokenization against Microsoft.ML.Tokenizers' BertTokenizer and FastBertTokenizer on
// one vocabulary (trained here by WordPieceTrainer and saved), plus the trainer's own speed and memory.
// usage: dotnet run -c Release --project bench/Electra.Bench.Tokenization -- [CORPUS_DIR] [--vocab-size N] [--repeats N] [--json FILE]
// CORPUS_DIR defaults to the shared data beside the repository (../shared/data/pretrain, run from the repository root).
CultureInfo.CurrentCulture = CultureInfo.InvariantCulture;
string corpus = "../shared/data/pretrain";
string? jsonPath = null;
int vocabSize = 30522, repeats = 3;
for (int i = 0; i < args.Length; i++)
{
    switch (args[i])
    {
        case "--json": jsonPath = args[++i]; break;
        case "--vocab-size": vocabSize = int.Parse(args[++i], CultureInfo.InvariantCulture); break;
        case "--repeats": repeats = int.Parse(args[++i], CultureInfo.InvariantCulture); break;
        default: corpus = args[i]; break;
    }
}
string[] files = Directory.Exists(corpus) ? Directory.GetFiles(corpus, "*.txt").Order(StringComparer.Ordinal).ToArray() : [];
if (files.Length == 0)
{
    Console.Error.WriteLine($"{corpus}: no *.txt files");
    return 1;
}
string command = "dotnet run -c Release --project bench/Electra.Bench.Tokenization -- " + string.Join(' ', args);
Console.WriteLine($"machine: {Environment.ProcessorCount} cores, {RuntimeInformation.OSDescription}, {RuntimeInformation.FrameworkDescription}");
Console.WriteLine($"versions: Microsoft.ML.Tokenizers {Version(typeof(Microsoft.ML.Tokenizers.BertTokenizer))}, FastBertTokenizer {Version(typeof(FastBertTokenizer.BertTokenizer))}");
Console.WriteLine($"command: {command}");

// Trainer first, so the process peak working set is the trainer's.
long corpusBytes = files.Sum(f => new FileInfo(f).Length);
GC.Collect();
long baseline = Environment.WorkingSet;
var trainClock = Stopwatch.StartNew();
var trained = WordPieceTrainer.TrainFromFiles(files, new WordPieceTrainerOptions { VocabSize = vocabSize });
double trainSeconds = trainClock.Elapsed.TotalSeconds;
long peak = Process.GetCurrentProcess().PeakWorkingSet64;
string vocabDir = Path.Combine(Path.GetTempPath(), $"electra-bench-vocab-{Environment.ProcessId}");
trained.Save(vocabDir);
string vocabPath = Path.Combine(vocabDir, "vocab.txt");
Console.WriteLine($"trainer: {trained.VocabSize} tokens from {corpusBytes / 1e6:F1} MB in {trainSeconds:F2} s = {corpusBytes / 1e6 / trainSeconds:F2} MB/s, " +
                  $"peak working set {peak / 1e6:F0} MB (baseline {baseline / 1e6:F0} MB)");

var texts = files.SelectMany(f => Utf8Lines.Read(f)).Where(t => t.Length > 0).ToArray();
long textBytes = texts.Sum(t => (long)System.Text.Encoding.UTF8.GetByteCount(t));
Console.WriteLine($"encoding: {texts.Length} non-empty lines, {textBytes / 1e6:F1} MB, vocab {vocabPath}, median of {repeats} runs after a warm-up");

var ours = WordPieceTokenizer.Load(vocabDir);
Microsoft.ML.Tokenizers.Tokenizer face = ours;
var ml = Microsoft.ML.Tokenizers.BertTokenizer.Create(vocabPath, new Microsoft.ML.Tokenizers.BertOptions
{
    LowerCaseBeforeTokenization = true,
    RemoveNonSpacingMarks = true,
});
var adapter = TokenizerAdapter.Create(ours);
var fast = new ThreadLocal<FastBertTokenizer.BertTokenizer>(() =>
{
    var t = new FastBertTokenizer.BertTokenizer();
    using var reader = new StreamReader(vocabPath);
    t.LoadVocabulary(reader, convertInputToLowercase: true);
    return t;
});

var candidates = new (string Name, Func<string, int[]> Encode)[]
{
    ("Electra.Tokenization", ours.TokenizeToIds),
    // The same tokenizer through Microsoft.ML.Tokenizers' Tokenizer face (ids with [CLS]/[SEP], which are dropped here).
    ("Electra.Tokenization as Tokenizer", t =>
    {
        var ids = face.EncodeToIds(t);
        var inner = new int[ids.Count - 2];
        for (int i = 0; i < inner.Length; i++) inner[i] = ids[i + 1];
        return inner;
    }),
    // What pre-training's dataset builder calls: any Tokenizer through TokenizerAdapter, Electra's taking its own path.
    ("Electra.Tokenization via TokenizerAdapter", adapter.TokenizeToIds),
    ("Microsoft.ML.Tokenizers BertTokenizer", t => ml.EncodeToIds(t, addSpecialTokens: false, considerPreTokenization: true, considerNormalization: true).ToArray()),
    ("FastBertTokenizer", t =>
    {
        var ids = fast.Value!.Encode(t, maximumTokens: 8192).InputIds.Span;
        var inner = new int[ids.Length - 2]; // drop its [CLS] … [SEP]
        for (int i = 0; i < inner.Length; i++) inner[i] = (int)ids[i + 1];
        return inner;
    }),
};

var reference = texts.Select(ours.TokenizeToIds).ToArray();
var differing = new int[candidates.Length];
var tokenCounts = new long[candidates.Length];
for (int c = 0; c < candidates.Length; c++)
    for (int i = 0; i < texts.Length; i++)
    {
        int[] ids = candidates[c].Encode(texts[i]);
        tokenCounts[c] += ids.Length;
        if (!ids.AsSpan().SequenceEqual(reference[i])) differing[c]++;
    }
var results = new List<Dictionary<string, object>>();
Console.WriteLine($"{"tokenizer",-40} {"threads",7} {"MB/s",8} {"Mtok/s",8} {"spread",8} {"texts with ids != ours",24}");
foreach (int threads in new[] { 1, 2 })
{
    // Repetitions interleave the tokenizers so that load from other processes hits them alike.
    var seconds = candidates.Select(_ => new List<double>()).ToArray();
    for (int r = 0; r <= repeats; r++)
        for (int c = 0; c < candidates.Length; c++)
        {
            double s = Run(candidates[c].Encode, threads);
            if (r > 0) seconds[c].Add(s); // round 0 is the warm-up
        }
    for (int c = 0; c < candidates.Length; c++)
    {
        var sorted = seconds[c].Order().ToArray();
        double median = sorted[sorted.Length / 2];
        double spread = (sorted[^1] - sorted[0]) / median;
        Console.WriteLine($"{candidates[c].Name,-40} {threads,7} {textBytes / 1e6 / median,8:F1} {tokenCounts[c] / 1e6 / median,8:F2} {spread,7:P0} {differing[c],24}");
        results.Add(new()
        {
            ["tokenizer"] = candidates[c].Name, ["threads"] = threads, ["mb_per_s"] = textBytes / 1e6 / median, ["tokens_per_s"] = tokenCounts[c] / median,
            ["median_s"] = median, ["min_s"] = sorted[0], ["max_s"] = sorted[^1], ["texts_differing"] = differing[c], ["tokens"] = tokenCounts[c],
        });
    }
}
Directory.Delete(vocabDir, recursive: true);

if (jsonPath is not null)
{
    var report = new Dictionary<string, object>
    {
        ["command"] = command, ["cores"] = Environment.ProcessorCount, ["runtime"] = RuntimeInformation.FrameworkDescription,
        ["corpus"] = corpus, ["corpus_bytes"] = corpusBytes, ["texts"] = texts.Length, ["vocab_size"] = trained.VocabSize,
        ["trainer"] = new Dictionary<string, object> { ["seconds"] = trainSeconds, ["mb_per_s"] = corpusBytes / 1e6 / trainSeconds, ["peak_working_set_bytes"] = peak },
        ["encoding"] = results,
    };
    File.WriteAllText(jsonPath, JsonSerializer.Serialize(report, new JsonSerializerOptions { WriteIndented = true }));
    Console.WriteLine($"wrote {jsonPath}");
}
return 0;

static string Version(Type t) =>
    (t.Assembly.GetCustomAttributes(typeof(System.Reflection.AssemblyInformationalVersionAttribute), false).FirstOrDefault()
        as System.Reflection.AssemblyInformationalVersionAttribute)?.InformationalVersion.Split('+')[0] ?? "?";

double Run(Func<string, int[]> encode, int threads)
{
    var clock = Stopwatch.StartNew();
    Parallel.For(0, threads, new ParallelOptions { MaxDegreeOfParallelism = threads }, part =>
    {
        // Contiguous halves: each thread walks its own range.
        int from = (int)((long)texts.Length * part / threads), to = (int)((long)texts.Length * (part + 1) / threads);
        for (int i = from; i < to; i++) encode(texts[i]);
    });
    return clock.Elapsed.TotalSeconds;
}
