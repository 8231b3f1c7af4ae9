namespace Electra.Onnx;

/// <summary>The head an exported folder holds, from <c>config.json</c>'s <c>architectures</c> (HF class names).</summary>
public enum OnnxHead
{
    /// <summary><c>ElectraForPreTraining</c>: the discriminator, one replaced-token logit per token.</summary>
    ReplacedTokenDetection,

    /// <summary><c>ElectraForMaskedLM</c>: the generator, vocabulary logits per token.</summary>
    MaskedLanguageModel,

    /// <summary><c>ElectraForSequenceClassification</c>: class logits per text (or text pair).</summary>
    SequenceClassification,

    /// <summary><c>ElectraForTokenClassification</c>: class logits per token; words take their first piece's label.</summary>
    TokenClassification,

    /// <summary><c>ElectraForQuestionAnswering</c>: start and end logits per token.</summary>
    QuestionAnswering,

    /// <summary><c>ElectraModel</c> exported from a sentence-embedding (bi-encoder) folder: one pooled vector per text.</summary>
    SentenceEmbedding,
}

/// <summary>One float output of the graph, row-major.</summary>
/// <param name="Name">Output name (<c>logits</c>, <c>start_logits</c>, <c>end_logits</c>).</param>
/// <param name="Values">The values, row-major.</param>
/// <param name="Shape">The dimensions, e.g. [B, T] or [B, T, V].</param>
public sealed record OnnxOutput(string Name, float[] Values, int[] Shape);

/// <summary>A token of a text with the discriminator's probability that it was replaced.</summary>
/// <param name="Token">The word piece.</param>
/// <param name="Start">Start of the piece in the text (characters; 0 for [CLS]/[SEP]).</param>
/// <param name="End">End of the piece in the text, exclusive.</param>
/// <param name="Probability">sigmoid(logit): the probability that the token is not the original.</param>
public sealed record TokenProbability(string Token, int Start, int End, float Probability);

/// <summary>A class and its probability.</summary>
/// <param name="Label">The class name (<c>id2label</c>).</param>
/// <param name="Probability">Softmax probability.</param>
public sealed record LabelProbability(string Label, float Probability);

/// <summary>The predicted class of a text and the distribution over all classes.</summary>
/// <param name="Label">The most probable class.</param>
/// <param name="Probability">Its probability.</param>
/// <param name="Probabilities">Every class in id order.</param>
public sealed record ClassPrediction(string Label, float Probability, IReadOnlyList<LabelProbability> Probabilities);

/// <summary>A word (a token and its <c>##</c> continuations) with the label of its first piece.</summary>
/// <param name="Word">The word as written in the text.</param>
/// <param name="Start">Start of the word in the text (characters).</param>
/// <param name="End">End of the word, exclusive.</param>
/// <param name="Label">The predicted class.</param>
/// <param name="Probability">Its softmax probability at the word's first piece.</param>
public sealed record WordLabel(string Word, int Start, int End, string Label, float Probability);

/// <summary>The answer to a question: a span of the context, or "" for no answer.</summary>
/// <param name="Text">The span as written in the context; "" when a SQuAD 2.0 model abstains (or no window offered a span).</param>
/// <param name="Start">Start of the span in the context (characters; 0 for "").</param>
/// <param name="End">End of the span, exclusive (0 for "").</param>
/// <param name="Score">The best span's start logit + end logit.</param>
/// <param name="NullScoreDiff">The no-answer score ([CLS] start + end logit, lowest over windows) minus <paramref name="Score"/>: the model abstains when it exceeds the folder's threshold.</param>
public sealed record AnswerSpan(string Text, int Start, int End, double Score, double NullScoreDiff);

/// <summary>A candidate token for a <c>[MASK]</c> position.</summary>
/// <param name="Token">The vocabulary entry.</param>
/// <param name="Probability">Softmax probability at that position.</param>
public sealed record TokenCandidate(string Token, float Probability);

/// <summary>The generator's best candidates for one <c>[MASK]</c> of a text.</summary>
/// <param name="Position">Token index of the mask in the encoding ([CLS] is 0).</param>
/// <param name="Candidates">The most probable tokens, best first.</param>
public sealed record MaskPrediction(int Position, IReadOnlyList<TokenCandidate> Candidates);

/// <summary>A passage re-ranked by a cross-encoder.</summary>
/// <param name="Index">Its position in the list given.</param>
/// <param name="Passage">The passage.</param>
/// <param name="Score">Its relevance to the query (higher is more relevant).</param>
public sealed record RankedPassage(int Index, string Passage, float Score);
