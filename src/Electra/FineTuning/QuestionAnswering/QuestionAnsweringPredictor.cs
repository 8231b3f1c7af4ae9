using Electra.Modeling;
using Electra.Tokenization;
using static TorchSharp.torch;

namespace Electra.FineTuning.QuestionAnswering;

/// <summary>
/// Answers SQuAD-format questions with a fine-tuned folder: <c>ElectraForQuestionAnswering</c> weights, the
/// tokenizer, and <c>question_answering.json</c> (windowing, decoding and SQuAD 2.0's no-answer threshold as
/// fine-tuning chose them; google's defaults when the file is absent, e.g. for a folder from HF).
/// </summary>
public sealed class QuestionAnsweringPredictor : IDisposable
{
    /// <summary>Wraps a loaded model; <paramref name="options"/>' max sequence length must fit its position table.</summary>
    public QuestionAnsweringPredictor(ElectraForQuestionAnswering model, WordPieceTokenizer tokenizer, QuestionAnsweringOptions options)
    {
        options.Validate();
        PositionLimit.Check(options.MaxSeqLength, model.Config.MaxPositionEmbeddings, "max sequence length");
        Model = model;
        Tokenizer = tokenizer;
        Options = options;
    }

    /// <summary>The model.</summary>
    public ElectraForQuestionAnswering Model { get; }

    /// <summary>Its tokenizer.</summary>
    public WordPieceTokenizer Tokenizer { get; }

    /// <summary>Windowing and decoding.</summary>
    public QuestionAnsweringOptions Options { get; }

    /// <summary>Loads a fine-tuned folder (weights verified all or nothing); <paramref name="overrides"/> replaces its settings.</summary>
    public static QuestionAnsweringPredictor Load(string dir, Func<QuestionAnsweringOptions, QuestionAnsweringOptions>? overrides = null)
    {
        var options = QuestionAnsweringOptions.Read(dir);
        return ModelBuild.Fill(ElectraForQuestionAnswering.Load(dir), model =>
        {
            var tokenizer = ElectraClassifier.LoadTokenizer(dir, model.Config);
            var chosen = overrides?.Invoke(options) ?? options;
            if (chosen.MaxSeqLength > model.Config.MaxPositionEmbeddings) chosen = chosen with { MaxSeqLength = model.Config.MaxPositionEmbeddings };
            return new QuestionAnsweringPredictor(model, tokenizer, chosen);
        });
    }

    /// <summary>
    /// Answers every question of <paramref name="examples"/> (question id → text; "" for "no answer" with SQuAD 2.0
    /// settings). A question longer than the max query length is truncated and passed to <paramref name="truncated"/>.
    /// Errors name <paramref name="source"/> and the question.
    /// </summary>
    public Dictionary<string, string> Predict(IReadOnlyList<SquadExample> examples, string source, int batchSize = 128, Action<SquadExample>? truncated = null)
    {
        var windows = QuestionAnsweringWindow.Build(examples, Tokenizer, Options, source, truncated);
        var predictions = Decode(Model, examples, windows, Options, Tokenizer.PadId, batchSize);
        return AnswerDecoder.Answers(examples, predictions, Options.Version2WithNegative, Options.NullScoreDiffThreshold);
    }

    /// <summary>
    /// Each question's <paramref name="topK"/> best distinct spans, best first (<see cref="AnswerDecoder.DecodeTopK"/>),
    /// with SQuAD 2.0 settings preceded by "" (no answer) where the threshold says the question has none; the score of
    /// "" is the [CLS] score minus the threshold, so it exceeds the best span's exactly then and the list stays in
    /// score order.
    /// </summary>
    public IReadOnlyList<AnswerPrediction>[] PredictTopK(IReadOnlyList<SquadExample> examples, string source, int topK, int batchSize = 128)
    {
        var windows = QuestionAnsweringWindow.Build(examples, Tokenizer, Options, source);
        using var noGrad = no_grad();
        Model.eval();
        var spans = AnswerDecoder.PredictTopK(examples, windows, Options, Tokenizer.PadId, batchSize, topK, Run(Model));
        return spans.Select(top => Options.Version2WithNegative && (top.Length == 0 || top[0].NullScoreDiff > Options.NullScoreDiffThreshold)
            ? (IReadOnlyList<AnswerPrediction>)top.Prepend(new AnswerPrediction("", top.Length == 0 ? double.NegativeInfinity : top[0].Score + top[0].NullScoreDiff - Options.NullScoreDiffThreshold, 0)).Take(topK).ToArray()
            : top).ToArray();
    }

    /// <summary>Runs <paramref name="model"/> over <paramref name="windows"/> in eval mode and decodes each example's best span (<see cref="AnswerDecoder"/>).</summary>
    public static AnswerPrediction[] Decode(ElectraForQuestionAnswering model, IReadOnlyList<SquadExample> examples, IReadOnlyList<QuestionAnsweringWindow> windows,
        QuestionAnsweringOptions options, int padId, int batchSize = 128)
    {
        model.eval();
        using var noGrad = no_grad();
        return AnswerDecoder.Predict(examples, windows, options, padId, batchSize, Run(model));
    }

    /// <summary>The model as the decoder's runtime: a padded batch in, its start and end logits out.</summary>
    static Func<BatchEncoding, (float[] Start, float[] End)> Run(ElectraForQuestionAnswering model) => batch =>
    {
        using var scope = NewDisposeScope();
        var (ids, mask, types) = batch.ToTensors();
        var (start, end) = model.call(ids, mask, types); // [B, T] each
        return (start.data<float>().ToArray(), end.data<float>().ToArray()); // sync: decoding reads the logits
    };

    /// <summary>Windows padded to the longest: ids/mask/types [B, T] and the start/end labels [B].</summary>
    internal static (Tensor Ids, Tensor Mask, Tensor Types, Tensor Starts, Tensor Ends) Collate(IReadOnlyList<QuestionAnsweringWindow> rows, int padId)
    {
        var (ids, mask, types) = BatchEncoding.Pad(rows.Select(r => r.Ids).ToList(), rows.Select(r => r.TypeIds).ToList(), padId).ToTensors();
        return (ids, mask, types, tensor(rows.Select(r => (long)r.StartPosition).ToArray()), tensor(rows.Select(r => (long)r.EndPosition).ToArray()));
    }

    /// <summary>Disposes the model.</summary>
    public void Dispose() => Model.Dispose();
}
