using System.Globalization;
using System.Security.Cryptography;
using Electra.Adaptation;
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

    /// <summary>
    /// An existing tokenizer folder (vocab.txt [+ tokenizer_config.json]) to use instead of training one; with
    /// <see cref="PretrainingOptions.InitFrom"/> it defaults to that folder's (<see cref="PretrainingOptions.InitTokenizerDir"/>).
    /// </summary>
    public string? TokenizerDir { get; init; }

    /// <summary>
    /// Throws <see cref="ArgumentException"/> naming the first option that cannot work with <paramref name="training"/>:
    /// a sequence longer than the preset's position table, a vocabulary too small for the special tokens, a validation
    /// fraction outside [0, 1), a tokenizer folder without vocab.txt.
    /// </summary>
    public PipelineOptions Validate(PretrainingOptions training)
    {
        var (model, positions) = training.InitFrom is { } initFrom
            ? ($"model in {initFrom}", ElectraConfig.Load(Path.Combine(initFrom, "discriminator", "config.json")).MaxPositionEmbeddings)
            : ($"{training.Preset.Name} preset", training.Preset.Discriminator.MaxPositionEmbeddings);
        if (SequenceLength < 8 || SequenceLength > positions)
            throw new ArgumentException($"sequence length {SequenceLength} does not fit the {model}'s {positions} positions (max_position_embeddings): --seq must be 8 to {positions}");
        if (VocabSize is < 16) throw new ArgumentException($"vocabulary size {VocabSize} is below 16, too few for the special tokens and an alphabet (--vocab-size)");
        if (!(ValidationFraction >= 0 && ValidationFraction < 1)) throw new ArgumentException($"validation fraction must be in [0, 1) (got {ValidationFraction})");
        if (TokenizerDir is not null && !File.Exists(Path.Combine(TokenizerDir, "vocab.txt")))
            throw new ArgumentException($"tokenizer folder {TokenizerDir} has no vocab.txt (--tokenizer)");
        return this;
    }
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
    /// several ranks every rank calls it (see the class remarks); null trains in this process alone. Everything is
    /// validated before anything is written; a new run claims its folder (<see cref="RunFolder"/>) and refuses one that
    /// holds a run already or files it did not write, unless that folder was claimed (and emptied) by the caller.
    /// </summary>
    public static PretrainingResult Run(IReadOnlyList<string> corpus, string outputDir, PretrainingOptions options, PipelineOptions? pipeline = null,
        IProgress<string>? log = null, IProgress<TrainingProgress>? progress = null, bool resume = false, CancellationToken cancellationToken = default,
        Mpi? mpi = null)
    {
        pipeline ??= new PipelineOptions();
        options.Validate(mpi?.Size ?? 1);
        if (pipeline.TokenizerDir is null && options.InitFrom is not null)
            pipeline = pipeline with { TokenizerDir = PretrainingOptions.InitTokenizerDir(options.InitFrom) };
        pipeline.Validate(options);
        string? extendedDir = options.ExtendsVocabulary ? Path.Combine(outputDir, ExtendedPairFolder) : null;
        string tokenizerDir = extendedDir ?? pipeline.TokenizerDir ?? Path.Combine(outputDir, "tokenizer");
        string datasetDir = Path.Combine(outputDir, "dataset");
        var files = CorpusReader.ListFiles(corpus);
        var identity = DataIdentity(files, options, pipeline);
        if (mpi is null || mpi.IsRoot)
        {
            PrepareFolder(outputDir, identity, datasetDir, log, resume);
            if (extendedDir is not null && !Directory.Exists(extendedDir))
                PairVocabulary.Extend(options.InitFrom!, pipeline.TokenizerDir!, files, options.ExtendVocab, options.AddTokens, extendedDir, log, cancellationToken);
            Prepare(files, outputDir, options, pipeline, tokenizerDir, datasetDir, log, resume, cancellationToken);
        }
        mpi?.Barrier("waiting for rank 0 to prepare the tokenizer and the dataset");
        if (extendedDir is not null) options = options with { InitFrom = extendedDir, ExtendVocab = 0, AddTokens = null };
        return new Trainer(options, datasetDir, tokenizerDir, outputDir, progress, mpi) { DataIdentity = identity }.Run(resume, cancellationToken);
    }

    /// <summary>Where a run that extends its <see cref="PretrainingOptions.InitFrom"/> pair's vocabulary keeps the extended, untrained pair it starts from.</summary>
    public const string ExtendedPairFolder = "init";

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
        var identity = new Dictionary<string, string>
        {
            ["seq"] = pipeline.SequenceLength.ToString(CultureInfo.InvariantCulture),
            ["corpus"] = $"{files.Count} file(s), {bytes} bytes, names and sizes {digest}",
            ["vocab_size"] = pipeline.TokenizerDir is null ? pipeline.EffectiveVocabSize(options.Preset).ToString(CultureInfo.InvariantCulture) : "from --tokenizer",
        };
        if (options.ExtendsVocabulary) identity["extend_vocab"] = $"{options.ExtendVocab} pieces, never-split tokens {AddTokensDigest(options.AddTokens)}";
        return identity;
    }

    static string AddTokensDigest(string? path) =>
        path is null ? "none" : Convert.ToHexStringLower(SHA256.HashData(File.ReadAllBytes(path)))[..12];

    /// <summary>Checks a new run's folder, or cleans a resumed one after checking it holds this run; then claims it.</summary>
    static void PrepareFolder(string outputDir, IReadOnlyDictionary<string, string> identity, string datasetDir, IProgress<string>? log, bool resume)
    {
        if (!resume) RunFolder.CheckNewRun(outputDir);
        else
        {
            RunFolder.UpgradeRunFile(outputDir, datasetDir);
            Trainer.EnsureSameRun(outputDir, identity); // before the dataset could be rebuilt for other settings
            foreach (string stale in AtomicFile.RemoveStale(outputDir).Concat(DatasetBuilder.RemoveStaleTemporaries(datasetDir)))
                log?.Report($"removed {stale}, left by an interrupted write");
        }
        RunFolder.Claim(outputDir, "pretrain");
    }

    static void Prepare(IReadOnlyList<string> files, string outputDir, PretrainingOptions options, PipelineOptions pipeline, string tokenizerDir, string datasetDir,
        IProgress<string>? log, bool resume, CancellationToken cancellationToken)
    {
        if (pipeline.TokenizerDir is null && !File.Exists(Path.Combine(tokenizerDir, "vocab.txt")))
        {
            int vocabSize = pipeline.EffectiveVocabSize(options.Preset);
            log?.Report($"training a {vocabSize}-token WordPiece vocabulary on {files.Count} file(s)");
            var trained = CorpusVocabulary.Train(files, new WordPieceTrainerOptions { VocabSize = vocabSize },
                warn: w => log?.Report($"warning: {w}"), cancellationToken: cancellationToken);
            trained.Save(tokenizerDir);
            log?.Report($"tokenizer: {tokenizerDir} ({trained.VocabSize} tokens)");
        }
        var tokenizer = WordPieceTokenizer.Load(tokenizerDir);
        if (TokenizerVocabulary.DuplicatesWarning(tokenizer, tokenizerDir) is { } duplicates) log?.Report($"warning: {duplicates}");

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
