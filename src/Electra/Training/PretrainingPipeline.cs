using Electra.Adaptation;
using Electra.Data;
using Electra.Distributed;
using Electra.IO;
using Electra.Modeling;
using Electra.Native;
using Electra.Tokenization;

namespace Electra.Training;

/// <summary>How the pipeline prepares text before training.</summary>
public sealed record PipelineOptions
{
    /// <summary>WordPiece vocabulary size when a tokenizer is trained; null = 8192 for the tiny preset, 30522 (BERT's) otherwise.</summary>
    public int? VocabSize { get; init; }

    /// <summary>The vocabulary size requested for <paramref name="preset"/>.</summary>
    public int EffectiveVocabSize(ElectraPreset preset) => VocabSize ?? (preset == ElectraPreset.Tiny ? 8192 : 30522);

    /// <summary>Tokens per sequence (ELECTRA-Small: 128; Base/Large: 512); <c>seq</c> in JSON, as on the command line.</summary>
    [System.Text.Json.Serialization.JsonPropertyName("seq")]
    public int SequenceLength { get; init; } = 128;

    /// <summary>Fraction of documents held out for evaluation.</summary>
    public double ValidationFraction { get; init; } = 0.01;

    /// <summary>
    /// An existing tokenizer folder (vocab.txt [+ tokenizer_config.json]) to use instead of training one; with
    /// <see cref="PretrainingOptions.InitFrom"/> it defaults to that folder's (<see cref="PretrainingOptions.InitTokenizerDir"/>).
    /// </summary>
    public string? TokenizerDir { get; init; }

    /// <summary>
    /// A tokenizer to use instead of training one or loading <see cref="TokenizerDir"/>: any Microsoft.ML.Tokenizers
    /// <see cref="Microsoft.ML.Tokenizers.Tokenizer"/> whose vocabulary has <c>[PAD] [UNK] [CLS] [SEP] [MASK]</c>
    /// (ML.NET's <c>BertTokenizer</c>, a subclass of your own: see <see cref="TokenizerAdapter"/>). It encodes the
    /// corpus; its vocabulary is written to <c>OUT/tokenizer</c> and beside the models as <c>vocab.txt</c> +
    /// <c>tokenizer_config.json</c>. An object, so not in options.json: pass it again to resume.
    /// </summary>
    [System.Text.Json.Serialization.JsonIgnore]
    public Microsoft.ML.Tokenizers.Tokenizer? Tokenizer { get; init; }

    /// <summary>
    /// The token strings by id of <see cref="Tokenizer"/>, for a tokenizer whose vocabulary cannot be read (any but
    /// Electra's and Microsoft.ML.Tokenizers' WordPiece and BERT tokenizers); null reads it from the tokenizer.
    /// </summary>
    [System.Text.Json.Serialization.JsonIgnore]
    public IReadOnlyList<string>? TokenizerVocabulary { get; init; }

    /// <summary>Whether the pipeline trains a WordPiece vocabulary on the corpus: neither <see cref="TokenizerDir"/> nor <see cref="Tokenizer"/> given.</summary>
    internal bool TrainsTokenizer => TokenizerDir is null && Tokenizer is null;

    /// <summary>
    /// Throws <see cref="ArgumentException"/> naming the first option that cannot work with <paramref name="training"/>:
    /// a sequence longer than the preset's position table, a vocabulary too small for the special tokens, a validation
    /// fraction outside [0, 1), a tokenizer folder without vocab.txt, a tokenizer given both as a folder and as an object.
    /// </summary>
    public PipelineOptions Validate(PretrainingOptions training)
    {
        var (model, positions) = training.InitFrom is { } initFrom
            ? ($"model in {initFrom}", ElectraConfig.Load(Path.Combine(initFrom, RunFolder.Discriminator, "config.json")).MaxPositionEmbeddings)
            : ($"{training.Preset.Name} preset", training.Preset.Discriminator.MaxPositionEmbeddings);
        if (SequenceLength < 8 || SequenceLength > positions)
            throw new ArgumentException($"sequence length {SequenceLength} does not fit the {model}'s {positions} positions (max_position_embeddings): --seq must be 8 to {positions}");
        if (VocabSize is < 16) throw new ArgumentException($"vocabulary size {VocabSize} is below 16, too few for the special tokens and an alphabet (--vocab-size)");
        if (!(ValidationFraction >= 0 && ValidationFraction < 1)) throw new ArgumentException($"validation fraction must be in [0, 1) (got {ValidationFraction})");
        if (TokenizerDir is not null && !File.Exists(Path.Combine(TokenizerDir, "vocab.txt")))
            throw new ArgumentException($"tokenizer folder {TokenizerDir} has no vocab.txt (--tokenizer)");
        if (Tokenizer is not null && TokenizerDir is not null)
            throw new ArgumentException($"a tokenizer is given both as a folder ({TokenizerDir}) and as an object ({Tokenizer.GetType().Name}): pass one");
        if (TokenizerVocabulary is not null && Tokenizer is null)
            throw new ArgumentException("TokenizerVocabulary is the vocabulary of PipelineOptions.Tokenizer, which is not set");
        if (Tokenizer is not null && training.ExtendsVocabulary)
            throw new ArgumentException($"--extend-vocab extends the vocabulary of the --init-from pair's own tokenizer; it cannot extend {Tokenizer.GetType().Name}");
        return this;
    }
}

/// <summary>
/// Text to a pre-trained model in one call: trains a WordPiece tokenizer on the corpus (<c>OUT/tokenizer</c>; or uses
/// <see cref="PipelineOptions.TokenizerDir"/>, or any Microsoft.ML.Tokenizers tokenizer, <see cref="PipelineOptions.Tokenizer"/>),
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
        pipeline ??= options.Pipeline;
        options.Validate(mpi?.Size ?? 1);
        if (pipeline.TrainsTokenizer && options.InitFrom is not null)
            pipeline = pipeline with { TokenizerDir = PretrainingOptions.InitTokenizerDir(options.InitFrom) };
        pipeline.Validate(options);
        var given = pipeline.Tokenizer is { } tokenizerObject ? TokenizerAdapter.Create(tokenizerObject, pipeline.TokenizerVocabulary) : null;
        if (given is not null && options.InitFrom is not null) CheckInitVocabulary(given, options.InitFrom);
        // The run's options.json records the vocabulary size asked for (what a --config of it trains again).
        options = options with { Pipeline = pipeline with { VocabSize = pipeline.TrainsTokenizer ? pipeline.EffectiveVocabSize(options.Preset) : pipeline.VocabSize } };
        TorchRuntime.EnsureLoaded();
        options.ResolveDevice(); // an unavailable device fails before the tokenizer and dataset are written
        string? extendedDir = options.ExtendsVocabulary ? Path.Combine(outputDir, RunFolder.ExtendedPair) : null;
        string tokenizerDir = extendedDir ?? pipeline.TokenizerDir ?? Path.Combine(outputDir, RunFolder.Tokenizer);
        string datasetDir = Path.Combine(outputDir, RunFolder.Dataset);
        var files = CorpusReader.ListFiles(corpus);
        var identity = RunIdentity.OfData(files, options, pipeline);
        using var runLock = mpi is null || mpi.IsRoot // held until the trainer is done
            ? Prepare(files, outputDir, options, pipeline, given, identity, extendedDir, tokenizerDir, datasetDir, log, resume, cancellationToken)
            : null;
        mpi?.Barrier("waiting for rank 0 to prepare the tokenizer and the dataset");
        var extended = extendedDir is null ? options : options with { InitFrom = extendedDir, ExtendVocab = 0, AddTokens = null };
        return new Trainer(extended, datasetDir, tokenizerDir, outputDir, progress, mpi) { DataIdentity = identity, RecordedOptions = options }.Run(resume, cancellationToken);
    }

    static RunLock Prepare(IReadOnlyList<string> files, string outputDir, PretrainingOptions options, PipelineOptions pipeline, TokenizerAdapter? given, IReadOnlyDictionary<string, string> identity,
        string? extendedDir, string tokenizerDir, string datasetDir, IProgress<string>? log, bool resume, CancellationToken cancellationToken)
    {
        RunFolder.CheckInputs(outputDir, options, pipeline);
        if (!resume) RunFolder.CheckNewRun(outputDir);
        else
        {
            RunFolder.CheckResumable(outputDir);
            RunIdentity.EnsureSame(outputDir, identity); // before the dataset could be rebuilt for other settings
        }
        var runLock = RunLock.Acquire(outputDir);
        try
        {
            Build(files, outputDir, options, pipeline, given, extendedDir, tokenizerDir, datasetDir, log, resume, cancellationToken);
            return runLock;
        }
        catch
        {
            runLock.Dispose();
            throw;
        }
    }

    /// <summary>
    /// The extended pair (with <see cref="PretrainingOptions.ExtendVocab"/>), the tokenizer and the dataset, each built
    /// unless the folder holds it already (rank 0, under the run lock). A <paramref name="given"/> tokenizer's vocabulary
    /// is written to the tokenizer folder (a resume checks it is the run's) and it encodes the corpus.
    /// </summary>
    static void Build(IReadOnlyList<string> files, string outputDir, PretrainingOptions options, PipelineOptions pipeline, TokenizerAdapter? given,
        string? extendedDir, string tokenizerDir, string datasetDir, IProgress<string>? log, bool resume, CancellationToken cancellationToken)
    {
        if (resume)
        {
            RunFolder.UpgradeRunFile(outputDir, datasetDir);
            foreach (string stale in AtomicFile.RemoveStale(outputDir).Concat(DatasetBuilder.RemoveStaleTemporaries(datasetDir)))
                log?.Report($"removed {stale}, left by an interrupted write");
        }
        RunFolder.Claim(outputDir, "pretrain");
        if (extendedDir is not null && !Directory.Exists(extendedDir))
            PairVocabulary.Extend(options.InitFrom!, pipeline.TokenizerDir!, files, options.ExtendVocab, options.AddTokens, extendedDir, log, cancellationToken);

        if (pipeline.TrainsTokenizer && !File.Exists(Path.Combine(tokenizerDir, "vocab.txt")))
        {
            int vocabSize = pipeline.EffectiveVocabSize(options.Preset);
            log?.Report($"training a {vocabSize}-token WordPiece vocabulary on {files.Count} file(s)");
            var trained = CorpusVocabulary.Train(files, new WordPieceTrainerOptions { VocabSize = vocabSize },
                warn: w => log?.Report($"warning: {w}"), cancellationToken: cancellationToken);
            trained.Save(tokenizerDir);
            log?.Report($"tokenizer: {tokenizerDir} ({trained.VocabSize} tokens)");
        }
        else if (given is not null && !File.Exists(Path.Combine(tokenizerDir, "vocab.txt")))
        {
            given.Save(tokenizerDir);
            log?.Report($"tokenizer: {tokenizerDir} (the vocabulary of {given.Tokenizer.GetType().Name}, {given.VocabSize} tokens)");
        }
        var tokenizer = given ?? TokenizerAdapter.Create(WordPieceTokenizer.Load(tokenizerDir));
        if (TokenizerVocabulary.DuplicatesWarning(tokenizer, tokenizerDir) is { } duplicates) log?.Report($"warning: {duplicates}");

        var vocabulary = TokenizerVocabulary.Describe(tokenizer);
        if (resume) RunIdentity.EnsureSame(outputDir, new Dictionary<string, string> { ["vocabulary"] = vocabulary.Fingerprint });
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

    /// <summary>Refuses, before any work, a tokenizer whose vocabulary is not the size of the --init-from pair's embeddings.</summary>
    static void CheckInitVocabulary(TokenizerAdapter given, string initFrom)
    {
        string config = Path.Combine(initFrom, RunFolder.Discriminator, "config.json");
        int vocabSize = ElectraConfig.Load(config).VocabSize;
        if (given.VocabSize != vocabSize)
            throw new ArgumentException($"{given.Tokenizer.GetType().Name} has {given.VocabSize} tokens but {config} has vocab_size {vocabSize}: the tokenizer does not belong to the --init-from pair");
    }

    static bool DatasetMatches(string datasetDir, DatasetVocabulary vocabulary, int sequenceLength)
    {
        if (!File.Exists(Path.Combine(datasetDir, DatasetManifest.FileName))) return false;
        var manifest = DatasetManifest.Read(datasetDir);
        return manifest.VocabFingerprint == vocabulary.Fingerprint && manifest.MaxSeqLength == sequenceLength && manifest.MaskId is not null;
    }
}
