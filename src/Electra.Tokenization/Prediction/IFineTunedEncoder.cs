using Electra.FineTuning.QuestionAnswering;
using Electra.Tokenization;

namespace Electra.FineTuning.Prediction;

/// <summary>
/// A fine-tuned ELECTRA encoder and its head on one runtime, as prediction sees it: its tokenizer, what its head
/// answers, and the head's logits for a padded batch. TorchSharp implements it (<c>TorchFineTunedEncoder</c> in
/// Electra.TorchSharp) and so does ONNX Runtime (<c>ElectraOnnxModel</c> in Electra.Onnx), so one prediction code
/// (<c>Predictor</c>) encodes, batches and decodes for both, and both write the same files.
/// </summary>
public interface IFineTunedEncoder : IDisposable
{
    /// <summary>The folder the model was loaded from, for messages.</summary>
    string Folder { get; }

    /// <summary>
    /// The head's HF class name (<c>config.json</c>'s <c>architectures</c>): <c>ElectraForSequenceClassification</c>,
    /// <c>ElectraForTokenClassification</c>, <c>ElectraForQuestionAnswering</c>, or another head prediction refuses.
    /// </summary>
    string Architecture { get; }

    /// <summary>Class names by id (<c>id2label</c>); a regression head's one output; empty for heads without classes.</summary>
    IReadOnlyList<string> Labels { get; }

    /// <summary>A sequence head whose one output is a number (HF's <c>problem_type: "regression"</c>), not a class.</summary>
    bool IsRegression { get; }

    /// <summary><c>max_position_embeddings</c>: no encoding may be longer.</summary>
    int MaxPositions { get; }

    /// <summary>The folder's tokenizer.</summary>
    WordPieceTokenizer Tokenizer { get; }

    /// <summary>
    /// Question answering only (else null): the folder's windowing and decoding settings (<c>question_answering.json</c>,
    /// google's defaults without it), the window capped at <see cref="MaxPositions"/>.
    /// </summary>
    QuestionAnsweringOptions? QuestionAnswering { get; }

    /// <summary>
    /// Runs the model in inference mode on <paramref name="batch"/> (padded by <see cref="BatchEncoding.Pad"/>) and
    /// returns its outputs row-major: class logits [B, C] (a regression head: [B, 1]) or per token [B, T, C]; for
    /// question answering the start and the end logits, [B, T] each.
    /// </summary>
    IReadOnlyList<float[]> Logits(BatchEncoding batch);
}
