using Electra.FineTuning;
using Electra.Modeling;
using Electra.Tokenization;
using static TorchSharp.torch;

namespace Electra.Retrieval;

/// <summary>
/// Re-ranking with a pair classifier (a cross-encoder): an <see cref="ElectraForSequenceClassification"/> fine-tuned
/// on <c>text</c> = query, <c>text_b</c> = passage, <c>label</c> = 1 relevant / 0 not (an ordinary TSV task), reads
/// each (query, passage) pair jointly. The relevance score is the probability of the label <c>1</c>; a regression
/// model's output is used as it is.
/// </summary>
public sealed class CrossEncoder
{
    readonly ElectraClassifier model;
    readonly WordPieceTokenizer tokenizer;
    readonly int relevantLabel;

    /// <summary>Wraps a fine-tuned pair classifier and its tokenizer.</summary>
    public CrossEncoder(ElectraClassifier model, WordPieceTokenizer tokenizer)
    {
        if (model.Kind == TaskKind.Token) throw new ArgumentException("a cross-encoder is a sequence classifier, not a token classifier");
        this.model = model;
        this.tokenizer = tokenizer;
        relevantLabel = model.Kind == TaskKind.Regression ? 0
            : model.Labels.TryGetId("1", out int id) ? id
            : throw new ArgumentException($"the cross-encoder's labels [{string.Join(", ", model.Labels.Names)}] have no '1' (relevant)");
    }

    /// <summary>Loads a fine-tuned folder written by <c>finetune</c> on a (query, passage, 0/1) TSV task.</summary>
    public static CrossEncoder Load(string dir)
    {
        var model = ElectraClassifier.Load(dir);
        try
        {
            return new CrossEncoder(model, ElectraClassifier.LoadTokenizer(dir, model.Config));
        }
        catch
        {
            model.Dispose();
            throw;
        }
    }

    /// <summary>The underlying classifier (dispose it when done).</summary>
    public ElectraClassifier Model => model;

    /// <summary>
    /// The relevance of each passage to <paramref name="query"/> (higher is more relevant), in eval mode without
    /// gradients; the pairs run in batches sorted by length (<see cref="LengthBatching"/>).
    /// </summary>
    public double[] Score(string query, IReadOnlyList<string> passages, int maxLength = 128, int batchSize = 64)
    {
        PositionLimit.Check(maxLength, model.Config.MaxPositionEmbeddings);
        model.eval();
        var scores = new double[passages.Count];
        var encodeOptions = new EncodeOptions { MaxLength = maxLength };
        var pairs = passages.Select(p => tokenizer.Encode(query, p, encodeOptions)).ToArray();
        using var noGrad = no_grad();
        foreach (var rows in LengthBatching.Batches(pairs.Select(e => e.Length).ToArray(), batchSize))
        {
            using var scope = NewDisposeScope();
            var batch = BatchEncoding.Pad(rows.Select(i => pairs[i].Ids).ToList(), rows.Select(i => pairs[i].TypeIds).ToList(), tokenizer.PadId);
            long[] shape = { batch.BatchSize, batch.SequenceLength };
            var logits = model.call(tensor(batch.InputIds, shape), tensor(batch.AttentionMask, shape), tensor(batch.TokenTypeIds, shape)); // [B, C]
            var relevance = model.Kind == TaskKind.Regression ? logits.select(1, 0) : logits.softmax(-1).select(1, relevantLabel); // [B]
            var host = relevance.data<float>().ToArray(); // sync: the scores are the output
            for (int r = 0; r < rows.Length; r++) scores[rows[r]] = host[r];
        }
        return scores;
    }
}
