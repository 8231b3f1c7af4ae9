using System.Globalization;
using System.Security.Cryptography;
using Electra.Data;
using Electra.Distributed;
using Electra.Interop;
using Electra.Modeling;
using Electra.Tokenization;

namespace Electra.Training;

/// <summary>How the pipeline prepares text before training.</summary>
public sealed record PipelineOptions
{
    /// <summary>WordPiece vocabulary size when a tokenizer is trained; null = 8192 for the tiny preset, 30522 (BERT's) otherwise.</summary>
    public int? VocabSize { get; init; }

    /// <summary>The vocabulary size requested for <paramref name="preset"/>.</summary>
    public int EffectiveVocabSize(ElectraPreset preset) => VocabSize ?? (preset == ElectraPreset.Tiny ? 8192 : 30522);

    /// <summary>Tokens per sequence (ELECTRA-Small: 128; Base/Large: 512).</summary>
    public int SequenceLength { get; init; } = 128;

    /// <summary>Fraction of documents held out for evaluation.</summary>
    public double ValidationFraction { get; init; } = 0.01;

    /// <summary>An existing tokenizer folder (vocab.txt [+ tokenizer_config.json]) to use instead of training one.</summary>
    public string? TokenizerDir { get; init; }
}

/// <summary>
/// Text to a pre-trained model in one call: trains a WordPiece tokenizer on the corpus (<c>OUT/tokenizer</c>),
/// builds the sharded dataset (<c>OUT/dataset</c>), then runs the <see cref="Trainer"/>. On resume the tokenizer
/// and dataset already in OUT are reused. In a data-parallel job rank 0 alone prepares the tokenizer and the
/// dataset while the other ranks wait at a barrier (within <see cref="MpiOptions.CollectiveTimeout"/>), then every
/// rank opens them (OUT is on a file system all ranks share) and trains. A resume refuses a change of what shaped the
/// data (sequence length, corpus, vocabulary) before touching anything, and removes what an interrupted write left.
/// </summary>
public static class PretrainingPipeline
{
    /// <summary>
    /// Runs the three stages; <paramref name="log"/> receives one line per stage event. With <paramref name="mpi"/> of
    /// several ranks every rank calls it (see the class remarks); null trains in this process alone.
    /// </summary>
    public static PretrainingResult Run(IReadOnlyList<string> corpus, string outputDir, PretrainingOptions options, PipelineOptions? pipeline = null,
        IProgress<string>? log = null, IProgress<TrainingProgress>? progress = null, bool resume = false, CancellationToken cancellationToken = default,
        Mpi? mpi = null)
    {
        pipeline ??= new PipelineOptions();
        options.Validate(mpi?.Size ?? 1);
        string tokenizerDir = pipeline.TokenizerDir ?? Path.Combine(outputDir, "tokenizer");
        string datasetDir = Path.Combine(outputDir, "dataset");
        var files = CorpusReader.ListFiles(corpus);
        var identity = DataIdentity(files, options, pipeline);
        if (mpi is null || mpi.IsRoot) Prepare(files, outputDir, options, pipeline, identity, tokenizerDir, datasetDir, log, resume, cancellationToken);
        mpi?.Barrier("waiting for rank 0 to prepare the tokenizer and the dataset");
        return new Trainer(options, datasetDir, tokenizerDir, outputDir, progress, mpi) { DataIdentity = identity }.Run(resume, cancellationToken);
    }

    /// <summary>What shapes the dataset: run.json keys a resume must match.</summary>
    static Dictionary<string, string> DataIdentity(IReadOnlyList<string> files, PretrainingOptions options, PipelineOptions pipeline)
    {
        var corpus = new System.Text.StringBuilder();
        long bytes = 0;
        foreach (string file in files)
        {
            long length = new FileInfo(file).Length;
            bytes += length;
            corpus.Append(Path.GetFileName(file)).Append('\t').Append(length).Append('\n');
        }
        string digest = Convert.ToHexStringLower(SHA256.HashData(System.Text.Encoding.UTF8.GetBytes(corpus.ToString())))[..12];
        return new Dictionary<string, string>
        {
            ["seq"] = pipeline.SequenceLength.ToString(CultureInfo.InvariantCulture),
            ["corpus"] = $"{files.Count} file(s), {bytes} bytes, names and sizes {digest}",
            ["vocab_size"] = pipeline.TokenizerDir is null ? pipeline.EffectiveVocabSize(options.Preset).ToString(CultureInfo.InvariantCulture) : "from --tokenizer",
        };
    }

    static void Prepare(IReadOnlyList<string> files, string outputDir, PretrainingOptions options, PipelineOptions pipeline, IReadOnlyDictionary<string, string> identity,
        string tokenizerDir, string datasetDir, IProgress<string>? log, bool resume, CancellationToken cancellationToken)
    {
        if (!resume && Directory.Exists(outputDir) && Directory.EnumerateFileSystemEntries(outputDir).Any())
            throw new InvalidOperationException($"{outputDir} is not empty; pass --resume to continue the run in it, or choose another --out");
        if (resume)
        {
            Trainer.EnsureSameRun(outputDir, identity); // before the dataset could be rebuilt for other settings
            foreach (string stale in AtomicFile.RemoveStale(outputDir).Concat(DatasetBuilder.RemoveStaleTemporaries(datasetDir)))
                log?.Report($"removed {stale}, left by an interrupted write");
        }

        if (pipeline.TokenizerDir is null && !File.Exists(Path.Combine(tokenizerDir, "vocab.txt")))
        {
            int vocabSize = pipeline.EffectiveVocabSize(options.Preset);
            log?.Report($"training a {vocabSize}-token WordPiece vocabulary on {files.Count} file(s)");
            var trained = WordPieceTrainer.TrainFromFiles(files, new WordPieceTrainerOptions { VocabSize = vocabSize }, ct: cancellationToken);
            trained.Save(tokenizerDir);
            log?.Report($"tokenizer: {tokenizerDir} ({trained.VocabSize} tokens)");
        }
        var tokenizer = WordPieceTokenizer.Load(tokenizerDir);

        var vocabulary = TokenizerVocabulary.Describe(tokenizer);
        if (resume) Trainer.EnsureSameRun(outputDir, new Dictionary<string, string> { ["vocabulary"] = vocabulary.Fingerprint });
        if (!DatasetMatches(datasetDir, vocabulary, pipeline.SequenceLength))
        {
            log?.Report($"building the dataset (sequences of {pipeline.SequenceLength} tokens) in {datasetDir}");
            var buildProgress = new Progress<DatasetBuildProgress>(p =>
                log?.Report($"  {p.Documents}/{p.TotalDocuments} documents, {p.Sequences:N0} sequences, {p.Tokens / Math.Max(p.Elapsed.TotalSeconds, 1e-3):N0} tokens/s"));
            var manifest = DatasetBuilder.Build(files, datasetDir, tokenizer.TokenizeToIds, vocabulary,
                new DatasetBuildOptions
                {
                    Packing = new PackingOptions { MaxSequenceLength = pipeline.SequenceLength },
                    ValidationFraction = pipeline.ValidationFraction,
                    Seed = options.Seed,
                    Overwrite = true,
                }, buildProgress, cancellationToken);
            log?.Report($"dataset: {manifest.Train.Sequences:N0} training and {manifest.Validation.Sequences:N0} validation sequences, {manifest.Train.Tokens:N0} training tokens");
        }
    }

    static bool DatasetMatches(string datasetDir, DatasetVocabulary vocabulary, int sequenceLength)
    {
        if (!File.Exists(Path.Combine(datasetDir, DatasetManifest.FileName))) return false;
        var manifest = DatasetManifest.Read(datasetDir);
        return manifest.VocabFingerprint == vocabulary.Fingerprint && manifest.MaxSeqLength == sequenceLength && manifest.MaskId is not null;
    }
}
