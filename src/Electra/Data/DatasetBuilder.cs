using System.Collections.Concurrent;
using System.Diagnostics;
using System.Runtime.ExceptionServices;
using System.Text.RegularExpressions;

namespace Electra.Data;

/// <summary>Options of <see cref="DatasetBuilder.Build"/>.</summary>
public sealed record DatasetBuildOptions
{
    /// <summary>Sequence length and packing probabilities.</summary>
    public PackingOptions Packing { get; init; } = new();

    /// <summary>
    /// Fraction of documents held out for validation, chosen by a hash of (seed, document index). 0.01; when it
    /// picks none and the corpus has more than one document, the document with the smallest hash is held out.
    /// </summary>
    public double ValidationFraction { get; init; } = 0.01;

    /// <summary>Seed of the packing choices and of the validation split. 12345.</summary>
    public int Seed { get; init; } = 12345;

    /// <summary>A shard is closed once it holds this many tokens. 2^26 (128 MiB of uint16).</summary>
    public long ShardTokens { get; init; } = 1L << 26;

    /// <summary>Characters of text tokenized per parallel batch; bounds memory whatever the corpus size. 4 Mi.</summary>
    public int BatchCharacters { get; init; } = 4 << 20;

    /// <summary>Threads that run the encoder. All cores.</summary>
    public int MaxDegreeOfParallelism { get; init; } = Environment.ProcessorCount;

    /// <summary>Replace a dataset built with other inputs or options, or write into a folder holding other files. Off.</summary>
    public bool Overwrite { get; init; }

    /// <summary>Throws <see cref="ArgumentException"/> naming the bad field.</summary>
    public void Validate()
    {
        Packing.Validate();
        if (ValidationFraction is < 0 or > 0.5 || double.IsNaN(ValidationFraction))
            throw new ArgumentException($"validation fraction must be in [0, 0.5], got {ValidationFraction}");
        if (ShardTokens < 1) throw new ArgumentException($"shard size must be positive, got {ShardTokens} tokens");
        if (BatchCharacters < 1) throw new ArgumentException($"batch size must be positive, got {BatchCharacters} characters");
        if (MaxDegreeOfParallelism < 1) throw new ArgumentException($"parallelism must be positive, got {MaxDegreeOfParallelism}");
    }
}

/// <summary>Progress of a build, reported after every batch of documents.</summary>
/// <param name="Documents">Documents done.</param>
/// <param name="TotalDocuments">Documents in the corpus (counted by a first pass).</param>
/// <param name="Sequences">Sequences written, both splits.</param>
/// <param name="Tokens">Tokens written, both splits.</param>
/// <param name="Elapsed">Time since the build started (the counting pass included).</param>
public sealed record DatasetBuildProgress(long Documents, long TotalDocuments, long Sequences, long Tokens, TimeSpan Elapsed)
{
    /// <summary>Tokens written per second so far.</summary>
    public double TokensPerSecond => Elapsed > TimeSpan.Zero ? Tokens / Elapsed.TotalSeconds : 0;
}

/// <summary>
/// Builds a pre-training dataset folder from a text corpus: documents are read by <see cref="CorpusReader"/>,
/// tokenized in parallel by the caller's encoder in bounded batches (order preserved), assigned to the train or
/// validation split, packed by <see cref="SequencePacker"/> (one packer per split) and appended to binary shards;
/// <c>dataset.json</c> (<see cref="DatasetManifest"/>) is written last.
/// </summary>
/// <remarks>
/// Memory stays flat: only one batch of documents (<see cref="DatasetBuildOptions.BatchCharacters"/>) is held.
/// The corpus is read twice: a first pass counts documents (so that the validation split can always hold at least
/// one) and checks every file is readable text before any tokenizing starts.
/// </remarks>
public static class DatasetBuilder
{
    static readonly Regex OwnFile = new(@"^(dataset\.json|(train|validation)-\d{5}\.(bin|idx))(\.tmp)?$", RegexOptions.CultureInvariant);

    /// <summary>
    /// Removes the <c>*.tmp</c> files a build stopped mid-write (a kill, a full disk) left in <paramref name="folder"/>:
    /// only the builder's own names (<c>dataset.json.tmp</c>, <c>train-00000.bin.tmp</c>, …); returns them.
    /// </summary>
    internal static IReadOnlyList<string> RemoveStaleTemporaries(string folder)
    {
        if (!Directory.Exists(folder)) return [];
        var stale = Directory.GetFiles(folder, "*.tmp").Where(f => OwnFile.IsMatch(Path.GetFileName(f))).ToList();
        foreach (string file in stale) File.Delete(file);
        return stale;
    }

    /// <summary>Builds the dataset of <paramref name="corpusPaths"/> into <paramref name="outputFolder"/>.</summary>
    /// <param name="corpusPaths">Files and folders (see <see cref="CorpusReader"/>).</param>
    /// <param name="outputFolder">Created if needed. Refused when it holds a different dataset or foreign files, unless <see cref="DatasetBuildOptions.Overwrite"/>.</param>
    /// <param name="encode">Text → word-piece ids without special tokens; called from several threads at once.</param>
    /// <param name="vocabulary">Vocabulary size, special ids and fingerprint, stored in the manifest.</param>
    /// <param name="options">Build options; defaults when null.</param>
    /// <param name="progress">Receives a report after every batch.</param>
    /// <param name="cancellationToken">Stops the build between batches; the folder then has no manifest.</param>
    /// <returns>The manifest written.</returns>
    public static DatasetManifest Build(
        IReadOnlyList<string> corpusPaths, string outputFolder, Func<string, int[]> encode, DatasetVocabulary vocabulary,
        DatasetBuildOptions? options = null, IProgress<DatasetBuildProgress>? progress = null, CancellationToken cancellationToken = default)
    {
        options ??= new DatasetBuildOptions();
        options.Validate();
        vocabulary.Validate();
        var clock = Stopwatch.StartNew();
        var files = CorpusReader.ListFiles(corpusPaths);
        var planned = new DatasetManifest
        {
            VocabSize = vocabulary.VocabSize,
            Dtype = DatasetManifest.DtypeFor(vocabulary.VocabSize),
            MaxSeqLength = options.Packing.MaxSequenceLength,
            ClsId = vocabulary.ClsId,
            SepId = vocabulary.SepId,
            PadId = vocabulary.PadId,
            MaskId = vocabulary.MaskId,
            VocabFingerprint = vocabulary.Fingerprint,
            Seed = options.Seed,
            ValidationFraction = options.ValidationFraction,
            ShortSequenceProbability = options.Packing.ShortSequenceProbability,
            SingleSegmentProbability = options.Packing.SingleSegmentProbability,
            Corpus = files.Select(f => new CorpusFileInfo(Path.GetFullPath(f), FileSize(f))).ToList(),
        };

        long totalDocuments = CorpusReader.ReadDocuments(files).LongCount();
        var split = new ValidationSplit(options.Seed, options.ValidationFraction, totalDocuments);
        PrepareFolder(outputFolder, planned, options.Overwrite);

        using var train = new ShardWriter(outputFolder, DatasetSplit.Train, planned.Dtype, planned.MaxSeqLength, options.ShardTokens);
        using var validation = new ShardWriter(outputFolder, DatasetSplit.Validation, planned.Dtype, planned.MaxSeqLength, options.ShardTokens);
        var trainPacker = new SequencePacker(options.Packing, vocabulary.ClsId, vocabulary.SepId, DeterministicHash.Seed(options.Seed, 0));
        var validationPacker = new SequencePacker(options.Packing, vocabulary.ClsId, vocabulary.SepId, DeterministicHash.Seed(options.Seed, 1));
        long documentIndex = 0, trainDocuments = 0;
        var packed = new List<int[]>();

        foreach (var batch in Batches(CorpusReader.ReadDocuments(files), options.BatchCharacters))
        {
            cancellationToken.ThrowIfCancellationRequested();
            var tokenized = Tokenize(batch, encode, vocabulary.VocabSize, options.MaxDegreeOfParallelism, cancellationToken);
            for (int d = 0; d < batch.Count; d++, documentIndex++)
            {
                bool held = split.IsValidation(documentIndex);
                var writer = held ? validation : train;
                packed.Clear();
                (held ? validationPacker : trainPacker).AddDocument(tokenized[d], packed);
                foreach (int[] sequence in packed) writer.Append(sequence);
                if (!held) trainDocuments++;
            }
            progress?.Report(new DatasetBuildProgress(documentIndex, totalDocuments, train.Sequences + validation.Sequences,
                train.Tokens + validation.Tokens, clock.Elapsed));
        }
        if (documentIndex != totalDocuments)
            throw new IOException($"the corpus changed while the dataset was built ({totalDocuments} documents counted, {documentIndex} read)");

        train.Close();
        validation.Close();
        var manifest = planned with
        {
            Train = new SplitInfo(trainDocuments, train.Sequences, train.Tokens, train.Shards.ToList()),
            Validation = new SplitInfo(documentIndex - trainDocuments, validation.Sequences, validation.Tokens, validation.Shards.ToList()),
        };
        manifest.Write(outputFolder);
        RemoveStaleFiles(outputFolder, manifest);
        return manifest;
    }

    /// <summary>Size of the file's contents (through symbolic links, unlike <see cref="FileInfo.Length"/>).</summary>
    static long FileSize(string path)
    {
        using var stream = File.OpenRead(path);
        return stream.Length;
    }

    /// <summary>Groups documents into batches of about <paramref name="characters"/> characters.</summary>
    static IEnumerable<List<CorpusDocument>> Batches(IEnumerable<CorpusDocument> documents, int characters)
    {
        var batch = new List<CorpusDocument>();
        long size = 0;
        foreach (var document in documents)
        {
            batch.Add(document);
            foreach (string sentence in document.Sentences) size += sentence.Length;
            if (size < characters) continue;
            yield return batch;
            batch = new List<CorpusDocument>();
            size = 0;
        }
        if (batch.Count > 0) yield return batch;
    }

    /// <summary>Encodes every sentence of the batch in parallel; the result keeps document and sentence order.</summary>
    static int[][][] Tokenize(List<CorpusDocument> batch, Func<string, int[]> encode, int vocabSize, int parallelism, CancellationToken cancellationToken)
    {
        var result = new int[batch.Count][][];
        var work = new List<(int Document, int Sentence)>();
        for (int d = 0; d < batch.Count; d++)
        {
            result[d] = new int[batch[d].Sentences.Count][];
            for (int s = 0; s < batch[d].Sentences.Count; s++) work.Add((d, s));
        }
        var parallel = new ParallelOptions { MaxDegreeOfParallelism = parallelism, CancellationToken = cancellationToken };
        try
        {
            Parallel.ForEach(Partitioner.Create(0, work.Count, 256), parallel, range =>
            {
                for (int i = range.Item1; i < range.Item2; i++)
                {
                    var (d, s) = work[i];
                    result[d][s] = EncodeChecked(batch[d], batch[d].Sentences[s], encode, vocabSize);
                }
            });
        }
        catch (AggregateException e)
        {
            ExceptionDispatchInfo.Throw(e.InnerExceptions[0]);
        }
        return result;
    }

    static int[] EncodeChecked(CorpusDocument document, string sentence, Func<string, int[]> encode, int vocabSize)
    {
        int[] ids;
        try
        {
            ids = encode(sentence);
        }
        catch (Exception e) when (e is not OperationCanceledException)
        {
            throw new InvalidDataException($"{document.Source}:{document.Line}: the encoder failed on a sentence of the document starting here: {e.Message}", e);
        }
        foreach (int id in ids)
            if ((uint)id >= (uint)vocabSize)
                throw new InvalidDataException($"{document.Source}:{document.Line}: the encoder returned id {id}, outside the vocabulary [0, {vocabSize})");
        return ids;
    }

    /// <summary>Refuses a folder holding another dataset or foreign files (unless overwriting), then removes the old manifest so a crash cannot leave a manifest over half-replaced shards.</summary>
    static void PrepareFolder(string folder, DatasetManifest planned, bool overwrite)
    {
        Directory.CreateDirectory(folder);
        string manifestPath = Path.Combine(folder, DatasetManifest.FileName);
        if (!overwrite)
        {
            if (File.Exists(manifestPath))
            {
                DatasetManifest? existing;
                try { existing = DatasetManifest.Read(folder); }
                catch (InvalidDataException) { existing = null; }
                if (existing is null || !existing.SameBuildAs(planned))
                    throw new IOException($"{folder} already holds a different dataset (other corpus, vocabulary or options); choose another folder or overwrite it explicitly");
            }
            string? foreign = Directory.EnumerateFileSystemEntries(folder).Select(Path.GetFileName).FirstOrDefault(n => !OwnFile.IsMatch(n!));
            if (foreign is not null)
                throw new IOException($"{folder} holds '{foreign}', which is not part of a dataset; choose an empty folder or overwrite explicitly");
        }
        File.Delete(manifestPath);
    }

    static void RemoveStaleFiles(string folder, DatasetManifest manifest)
    {
        var keep = new HashSet<string>(StringComparer.Ordinal) { DatasetManifest.FileName };
        foreach (var shard in manifest.Train.Shards.Concat(manifest.Validation.Shards))
        {
            keep.Add(shard.TokensFile);
            keep.Add(shard.IndexFile);
        }
        foreach (string path in Directory.EnumerateFiles(folder))
        {
            string name = Path.GetFileName(path);
            if (OwnFile.IsMatch(name) && !keep.Contains(name)) File.Delete(path);
        }
    }

    /// <summary>Which documents are held out: a deterministic function of (seed, document index) and the document count.</summary>
    sealed class ValidationSplit
    {
        readonly int seed;
        readonly double fraction;
        readonly long forced = -1;

        public ValidationSplit(int seed, double fraction, long documents)
        {
            this.seed = seed;
            this.fraction = fraction;
            if (fraction <= 0 || documents < 2) return;
            long smallest = 0;
            for (long i = 0; i < documents; i++)
            {
                if (Hash(i) < fraction) return;
                if (Hash(i) < Hash(smallest)) smallest = i;
            }
            forced = smallest;
        }

        double Hash(long document) => DeterministicHash.Unit(DeterministicHash.Combine(seed, document));

        public bool IsValidation(long document) => document == forced || (fraction > 0 && Hash(document) < fraction);
    }
}
