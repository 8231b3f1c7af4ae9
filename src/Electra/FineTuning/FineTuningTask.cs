using Electra.Tokenization;

namespace Electra.FineTuning;

/// <summary>
/// A fine-tuning task of one kind, read from its folder or built in memory: google-research/electra's
/// <c>finetune/task.py</c> <c>Task</c>. A kind is a subclass: <see cref="ClassificationTask"/> (sequence, pair,
/// regression and token classification), <see cref="QuestionAnswering.SquadTask"/> (extractive QA) and
/// <c>Retrieval.BiEncoderTask</c> (a bi-encoder); a cross-encoder is a pair <see cref="ClassificationTask"/>. The task
/// encodes its splits into a <see cref="FineTuningRun{TModel, TExample}"/>, which builds the kind's model, computes its
/// loss, evaluates (its headline metric picks the best epoch) and saves the output folder; <c>Tasks.FineTune.Run</c>
/// runs the shared recipe around it, and <c>Tasks.TaskKinds</c> registers the kinds and detects a folder's.
/// </summary>
/// <param name="Name">The task's name in <c>results.json</c> (a folder's name).</param>
public abstract record FineTuningTask(string Name)
{
    /// <summary>The kind's name in <c>results.json</c> (e.g. <c>sequence</c>, <c>question_answering</c>).</summary>
    public abstract string Kind { get; }

    /// <summary>
    /// Subsamples the training split (<see cref="FineTuneOptions.MaxTrainExamples"/>: <see cref="Subsample.Of{T}"/>) and
    /// encodes every split with <paramref name="tokenizer"/> (the model folder's, or any Microsoft.ML.Tokenizers
    /// tokenizer over the model's vocabulary); bad input fails here, naming the file and line, before any model work.
    /// </summary>
    public abstract FineTuningRun Prepare(TokenizerAdapter tokenizer, FineTuneOptions options);

    /// <summary>
    /// Electra's <see cref="WordPieceTokenizer"/> behind <paramref name="tokenizer"/>, for a kind that needs what only it
    /// gives (offsets into the original text for question answering's windows, its encoder for a sentence encoder);
    /// another tokenizer is refused naming the kind.
    /// </summary>
    protected WordPieceTokenizer WordPieceOf(TokenizerAdapter tokenizer) => tokenizer.Tokenizer as WordPieceTokenizer
        ?? throw new ArgumentException($"a {Kind} task needs Electra's WordPieceTokenizer (WordPieceTokenizer.Load of the model folder); {tokenizer.Tokenizer.GetType().FullName} cannot drive it");
}
