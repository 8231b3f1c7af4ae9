using Electra.FineTuning;
using Electra.Modeling;
using Electra.Tokenization;
using static TorchSharp.torch;

namespace Electra.Retrieval;

/// <summary>
/// The bi-encoder kind: a retrieval task folder of (query, positive) pairs, <c>train.tsv</c> and <c>dev.tsv</c>
/// (optionally <c>test.tsv</c>) whose header is <c>query&lt;TAB&gt;positive</c> (<see cref="RetrievalFiles.PairsHeader"/>),
/// fine-tuning a <see cref="SentenceEncoder"/> with in-batch negatives: queries and passages go through the same
/// encoder, and each query's positive must out-score the other passages of its batch under cross-entropy over cosine
/// similarities divided by <see cref="FineTuneOptions.Temperature"/> (InfoNCE; sentence-transformers'
/// MultipleNegativesRankingLoss, query → passage direction). A passage whose text equals the positive of another query
/// in the batch is masked out as a negative (it is not one). Dev is scored by MRR@10 over the dev pairs (every dev
/// query searches all distinct dev positives). The output folder is <see cref="SentenceEncoder.Save"/>'s (HF
/// <c>ElectraModel</c> + pooling config, normalised).
/// </summary>
/// <param name="Name">The folder's name.</param>
/// <param name="Train">Training pairs.</param>
/// <param name="Dev">Pairs that choose the best epoch.</param>
/// <param name="Test">Pairs scored once with the best epoch's weights, or null.</param>
internal sealed record BiEncoderTask(string Name, IReadOnlyList<QueryPair> Train, IReadOnlyList<QueryPair> Dev, IReadOnlyList<QueryPair>? Test) : FineTuningTask(Name)
{
    /// <summary>Always <c>retrieval</c>.</summary>
    public override string Kind => "retrieval";

    /// <summary>
    /// Whether <paramref name="dir"/> is a retrieval task folder: its <c>train.tsv</c> has the header
    /// <c>query&lt;TAB&gt;positive</c>. The header decides: any other header makes a <see cref="ClassificationTask"/>.
    /// </summary>
    public static bool IsFolder(string dir) => RetrievalFiles.IsPairsFile(Path.Combine(dir, "train.tsv"));

    /// <summary>Reads the pairs files of <paramref name="dir"/> (errors name file and line).</summary>
    public static BiEncoderTask Load(string dir)
    {
        if (!Directory.Exists(dir)) throw new DirectoryNotFoundException($"{dir}: no such task folder");
        string testPath = Path.Combine(dir, "test.tsv");
        return new BiEncoderTask(Path.GetFileName(Path.GetFullPath(dir).TrimEnd(Path.DirectorySeparatorChar)),
            RetrievalFiles.ReadPairs(Path.Combine(dir, "train.tsv")), RetrievalFiles.ReadPairs(Path.Combine(dir, "dev.tsv")),
            File.Exists(testPath) ? RetrievalFiles.ReadPairs(testPath) : null);
    }

    /// <summary>The kind's option check, before any work: the contrastive <see cref="FineTuneOptions.Temperature"/>.</summary>
    /// <exception cref="OptionException">The temperature is not a positive number.</exception>
    public static void ValidateOptions(FineTuneOptions options)
    {
        if (!(options.Temperature > 0) || double.IsInfinity(options.Temperature))
            throw new OptionException("temperature", $"temperature must be positive and finite (got {options.Temperature})");
    }

    /// <inheritdoc/>
    public override FineTuningRun Prepare(TokenizerAdapter tokenizer, FineTuneOptions options)
    {
        ValidateOptions(options);
        var wordPiece = WordPieceOf(tokenizer);
        var train = Subsample.Of(Train, options.MaxTrainExamples, options.Seed);
        if (train.Count < 2) throw new ArgumentException("in-batch negatives need at least 2 training pairs");
        return new Run(this, train, wordPiece, options);
    }

    /// <summary>A <see cref="SentenceEncoder"/> (normalised: trained on cosine) under the in-batch contrastive loss.</summary>
    sealed class Run(BiEncoderTask task, IReadOnlyList<QueryPair> train, WordPieceTokenizer tokenizer, FineTuneOptions options)
        : FineTuningRun<SentenceEncoder, QueryPair>(train)
    {
        protected override int MinBatch => 2;

        protected override (SentenceEncoder Model, TransferReport? Transfer) CreateModel(string modelDir, ElectraConfig config, FineTuneOptions options) =>
            options.RandomInit
                ? (new SentenceEncoder(config with { Architectures = null, Id2Label = null, Label2Id = null, ProblemType = null }, tokenizer, options.Pooling, normalize: true), null)
                : SentenceEncoder.FromPretrained(modelDir, options.Pooling, normalize: true);

        /// <summary>The in-batch contrastive loss: each query against every positive of the batch.</summary>
        protected override Tensor Loss(SentenceEncoder encoder, IReadOnlyList<QueryPair> rows)
        {
            var (qIds, qMask, qTypes) = encoder.Tokenize(rows.Select(r => r.Query).ToList(), options.MaxLength);
            var (pIds, pMask, pTypes) = encoder.Tokenize(rows.Select(r => r.Positive).ToList(), options.MaxLength);
            var q = nn.functional.normalize(encoder.call(qIds, qMask, qTypes), dim: 1); // [B, H]
            var p = nn.functional.normalize(encoder.call(pIds, pMask, pTypes), dim: 1); // [B, H]
            var logits = q.matmul(p.t()) / options.Temperature; // [B, B] query i against passage j
            var sameText = new bool[rows.Count * rows.Count];
            for (int i = 0; i < rows.Count; i++)
                for (int j = 0; j < rows.Count; j++)
                    sameText[i * rows.Count + j] = i != j && rows[i].Positive == rows[j].Positive;
            logits = logits.masked_fill(tensor(sameText, new long[] { rows.Count, rows.Count }), -1e4); // [B, B] duplicates of the positive are no negatives
            return nn.functional.cross_entropy(logits, arange(rows.Count, dtype: ScalarType.Int64));
        }

        protected override TaskMetrics EvaluateDev(SentenceEncoder encoder) => Evaluate(encoder, task.Dev, options.MaxLength, options.EvalBatchSize);

        protected override TaskMetrics? EvaluateTest(SentenceEncoder encoder, TaskMetrics bestDev) =>
            task.Test is null ? null : Evaluate(encoder, task.Test, options.MaxLength, options.EvalBatchSize);

        /// <summary>The longer of the query's and the positive's word pieces as <see cref="SentenceEncoder.Tokenize"/> encodes them.</summary>
        protected override int Length(QueryPair pair) => Math.Max(Pieces(pair.Query), Pieces(pair.Positive));

        int Pieces(string text) => tokenizer.Encode(text, options: new EncodeOptions { MaxLength = options.MaxLength }).Length;

        protected override void Save(SentenceEncoder encoder, string dir, string modelDir, FineTuneResult result) => encoder.Save(dir, modelDir, options.MaxLength);
    }

    /// <summary>
    /// MRR@10, Recall@10 and nDCG@10 of <paramref name="pairs"/> as a retrieval problem: each query searches the
    /// distinct positives of all pairs (exact cosine), and its own positive is the one relevant passage.
    /// </summary>
    public static RetrievalMetrics Evaluate(SentenceEncoder encoder, IReadOnlyList<QueryPair> pairs, int maxLength = 128, int batchSize = 128)
    {
        var passages = pairs.Select(p => p.Positive).Distinct(StringComparer.Ordinal).ToList();
        var passageIds = passages.Select((_, i) => i.ToString(System.Globalization.CultureInfo.InvariantCulture)).ToList();
        var idOf = passages.Select((text, i) => (text, i)).ToDictionary(x => x.text, x => passageIds[x.i], StringComparer.Ordinal);
        using var index = new DenseIndex(passageIds, encoder.Embed(passages, batchSize: batchSize, maxLength: maxLength));
        var hits = index.Search(encoder.Embed(pairs.Select(p => p.Query).ToList(), batchSize: batchSize, maxLength: maxLength), 10);
        var run = new Dictionary<string, IReadOnlyList<string>>(StringComparer.Ordinal);
        var qrels = new Dictionary<string, IReadOnlyDictionary<string, int>>(StringComparer.Ordinal);
        for (int i = 0; i < pairs.Count; i++)
        {
            string query = i.ToString(System.Globalization.CultureInfo.InvariantCulture);
            run[query] = hits[i].Select(h => passageIds[h.Document]).ToList();
            qrels[query] = new Dictionary<string, int> { [idOf[pairs[i].Positive]] = 1 };
        }
        return RetrievalMetrics.Compute(run, qrels, 10);
    }
}
