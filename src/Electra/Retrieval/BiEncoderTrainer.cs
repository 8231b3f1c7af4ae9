using System.Diagnostics;
using Electra.FineTuning;
using Electra.IO;
using Electra.Interop;
using Electra.Native;
using Electra.Tokenization;
using Electra.Training;
using TorchSharp;
using static TorchSharp.torch;

namespace Electra.Retrieval;

/// <summary>
/// Fine-tunes a <see cref="SentenceEncoder"/> as a bi-encoder on (query, positive) pairs with in-batch negatives:
/// queries and passages go through the same encoder, and each query's positive must out-score the other passages of
/// its batch under cross-entropy over cosine similarities divided by <see cref="FineTuneOptions.Temperature"/>
/// (InfoNCE; sentence-transformers' MultipleNegativesRankingLoss, query → passage direction). A passage whose text
/// equals the positive of another query in the batch is masked out as a negative (it is not one). The rest is
/// <see cref="FineTuner"/>'s recipe: google's optimizer, layer-wise decay, warmup then linear decay, dev evaluation
/// (MRR@10 over the dev pairs: every dev query searches all distinct dev positives) after each epoch, the best
/// epoch's weights kept and scored on test.
/// </summary>
public static class BiEncoderTrainer
{
    /// <summary>
    /// A retrieval task folder: <c>train.tsv</c> and <c>dev.tsv</c> (optionally <c>test.tsv</c>) whose header is
    /// <c>query&lt;TAB&gt;positive</c> (<see cref="RetrievalFiles.PairsHeader"/>). The header decides: any other
    /// header makes an ordinary classification or regression task.
    /// </summary>
    public static bool IsRetrievalTask(string dir) => RetrievalFiles.IsPairsFile(Path.Combine(dir, "train.tsv"));

    /// <summary>
    /// Fine-tunes the encoder of <paramref name="modelDir"/> (any ELECTRA folder with its <c>vocab.txt</c>; with
    /// <see cref="FineTuneOptions.RandomInit"/> only its config and vocabulary) on the pairs folder
    /// <paramref name="taskDir"/>. With <paramref name="outputDir"/>, writes the best encoder there
    /// (<see cref="SentenceEncoder.Save"/>: HF <c>ElectraModel</c> + pooling config) and <c>results.json</c>.
    /// </summary>
    public static FineTuneResult Run(string modelDir, string taskDir, FineTuneOptions options, string? outputDir = null,
        IProgress<FineTuneProgress>? progress = null, CancellationToken cancellationToken = default)
    {
        options.Validate();
        if (!Directory.Exists(taskDir)) throw new DirectoryNotFoundException($"{taskDir}: no such task folder");
        if (outputDir is not null) FineTuner.CheckOutput(outputDir, modelDir, taskDir);
        var train = RetrievalFiles.ReadPairs(Path.Combine(taskDir, "train.tsv"));
        var dev = RetrievalFiles.ReadPairs(Path.Combine(taskDir, "dev.tsv"));
        string testPath = Path.Combine(taskDir, "test.tsv");
        var test = File.Exists(testPath) ? RetrievalFiles.ReadPairs(testPath) : null;
        torch.manual_seed(options.Seed);
        SentenceEncoder encoder;
        TransferReport? transfer = null;
        if (options.RandomInit)
        {
            var config = Pretrained.ReadConfig(modelDir);
            encoder = new SentenceEncoder(config with { Architectures = null, Id2Label = null, Label2Id = null, ProblemType = null }, ElectraClassifier.LoadTokenizer(modelDir, config), options.Pooling, normalize: true);
        }
        else (encoder, transfer) = SentenceEncoder.FromPretrained(modelDir, options.Pooling, normalize: true); // trained on cosine, so saved as normalised
        using (encoder)
        {
            if (options.MaxLength > encoder.Config.MaxPositionEmbeddings)
                throw new ArgumentException($"max length {options.MaxLength} exceeds the model's max_position_embeddings {encoder.Config.MaxPositionEmbeddings}");
            string name = Path.GetFileName(Path.GetFullPath(taskDir).TrimEnd(Path.DirectorySeparatorChar));
            var result = Train(encoder, name, train, dev, test, options, progress, cancellationToken) with { Transfer = transfer };
            if (outputDir is not null)
                OutputFolder.Commit(outputDir, FineTuner.Owner, dir =>
                {
                    encoder.Save(dir, modelDir, options.MaxLength);
                    AtomicFile.WriteAllText(Path.Combine(dir, "results.json"), result.ToJson());
                });
            return result;
        }
    }

    /// <summary>Trains <paramref name="encoder"/> in place and leaves it holding the best epoch's weights.</summary>
    public static FineTuneResult Train(SentenceEncoder encoder, string taskName, IReadOnlyList<QueryPair> train, IReadOnlyList<QueryPair> dev,
        IReadOnlyList<QueryPair>? test, FineTuneOptions options, IProgress<FineTuneProgress>? progress = null, CancellationToken cancellationToken = default)
    {
        options.Validate();
        var clock = Stopwatch.StartNew();
        torch.manual_seed(options.Seed);
        if (options.MaxTrainExamples is int n && n < train.Count)
        {
            var pick = Enumerable.Range(0, train.Count).ToArray();
            new Random(options.Seed).Shuffle(pick);
            train = pick.Take(n).Order().Select(i => train[i]).ToList();
        }
        if (train.Count < 2) throw new ArgumentException("in-batch negatives need at least 2 training pairs");

        var (epochs, bestEpoch) = FineTuningLoop.Run(encoder, encoder.Config.NumHiddenLayers, train, options,
            rows => ContrastiveLoss(encoder, rows, options), () => Evaluate(encoder, dev, options.MaxLength, options.EvalBatchSize), metrics => metrics.Score,
            progress is null ? null : (epoch, step, total, loss, metrics, elapsed) => progress.Report(new FineTuneProgress(epoch, step, total, loss, metrics, elapsed)),
            cancellationToken, p => Math.Max(Pieces(encoder, p.Query, options.MaxLength), Pieces(encoder, p.Positive, options.MaxLength)), minBatch: 2);
        var testMetrics = test is null ? null : Evaluate(encoder, test, options.MaxLength, options.EvalBatchSize);
        return new FineTuneResult(taskName, TaskKind.Retrieval, Array.Empty<string>(), train.Count, epochs[bestEpoch - 1].Dev, testMetrics,
            bestEpoch, epochs.Select(e => new EpochResult(e.Number, e.TrainLoss, e.Dev, e.Seconds)).ToList(), options, null, clock.Elapsed.TotalSeconds);
    }

    /// <summary>Word pieces of <paramref name="text"/> as <see cref="SentenceEncoder.Tokenize"/> encodes it (for grouping by length).</summary>
    static int Pieces(SentenceEncoder encoder, string text, int maxLength) => encoder.Tokenizer.Encode(text, options: new EncodeOptions { MaxLength = maxLength }).Length;

    /// <summary>The in-batch contrastive loss of <paramref name="rows"/>: each query against every positive of the batch.</summary>
    static Tensor ContrastiveLoss(SentenceEncoder encoder, IReadOnlyList<QueryPair> rows, FineTuneOptions options)
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
