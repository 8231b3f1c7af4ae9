using Electra.FineTuning;
using Electra.FineTuning.QuestionAnswering;
using Electra.MLNet.Scoring;
using Microsoft.ML;

namespace Electra.MLNet;

/// <summary>
/// Electra's trainers in ML.NET's catalogs, shaped like ML.NET's own TorchSharp trainers (<c>TextClassification</c>,
/// <c>SentenceSimilarity</c>, <c>NamedEntityRecognition</c>, <c>QuestionAnswer</c>) with their default column names, but starting from any Electra or HF ELECTRA
/// discriminator folder and fine-tuning with Electra's recipe (<see cref="Tasks.FineTune"/>).
/// </summary>
public static class ElectraCatalog
{
    /// <summary>
    /// Fine-tunes the ELECTRA folder <paramref name="modelPath"/> to classify texts (or text pairs, with
    /// <paramref name="sentence2ColumnName"/>). Adds <paramref name="outputColumnName"/> (the predicted class, of the
    /// label's key type) and <paramref name="scoreColumnName"/> (class probabilities in key order).
    /// </summary>
    /// <param name="catalog">The multiclass trainers of an <see cref="MLContext"/>.</param>
    /// <param name="modelPath">An Electra or HF ELECTRA discriminator folder (config.json, weights, vocab.txt).</param>
    /// <param name="labelColumnName">The label column, a key type (<c>MapValueToKey</c>).</param>
    /// <param name="scoreColumnName">The class probabilities to add.</param>
    /// <param name="outputColumnName">The predicted label to add.</param>
    /// <param name="sentence1ColumnName">The (first) text.</param>
    /// <param name="sentence2ColumnName">The second text of pairs, or null for single texts.</param>
    /// <param name="batchSize">Training examples per step; null keeps <paramref name="options"/>' (32, google's).</param>
    /// <param name="maxEpochs">Passes over the training data; null keeps <paramref name="options"/>' (3, google's). The best epoch on <paramref name="validationSet"/> is kept.</param>
    /// <param name="validationSet">Rows that choose the best epoch (<c>electra finetune</c>'s dev file); null chooses on the training rows.</param>
    /// <param name="options">The rest of the recipe (learning rate, seed, max length, …); null for the defaults of <c>electra finetune</c>.</param>
    public static ElectraTextTrainer ElectraTextClassification(this MulticlassClassificationCatalog.MulticlassClassificationTrainers catalog,
        string modelPath, string labelColumnName = "Label", string scoreColumnName = "Score", string outputColumnName = "PredictedLabel",
        string sentence1ColumnName = "Sentence1", string? sentence2ColumnName = null, int? batchSize = null, int? maxEpochs = null,
        IDataView? validationSet = null, FineTuneOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(catalog);
        return new(modelPath, TaskKind.Sequence, labelColumnName, new PipelineColumns(sentence1ColumnName, sentence2ColumnName, scoreColumnName, outputColumnName),
            validationSet, Recipe(options, batchSize, maxEpochs));
    }

    /// <summary>
    /// Fine-tunes the ELECTRA folder <paramref name="modelPath"/> to predict a float label from a text pair (or a
    /// single text, with <paramref name="sentence2ColumnName"/> null): a regression head with MSE loss, as HF's
    /// <c>problem_type: regression</c>. Adds <paramref name="scoreColumnName"/>, the predicted value.
    /// </summary>
    /// <param name="catalog">The regression trainers of an <see cref="MLContext"/>.</param>
    /// <param name="modelPath">An Electra or HF ELECTRA discriminator folder.</param>
    /// <param name="labelColumnName">The label column, Single.</param>
    /// <param name="scoreColumnName">The predicted value to add.</param>
    /// <param name="sentence1ColumnName">The first text.</param>
    /// <param name="sentence2ColumnName">The second text, or null for single texts.</param>
    /// <param name="batchSize">Training examples per step; null keeps <paramref name="options"/>'.</param>
    /// <param name="maxEpochs">Passes over the training data; null keeps <paramref name="options"/>'.</param>
    /// <param name="validationSet">Rows that choose the best epoch; null chooses on the training rows.</param>
    /// <param name="options">The rest of the recipe; null for the defaults of <c>electra finetune</c>.</param>
    public static ElectraTextTrainer ElectraSentenceSimilarity(this RegressionCatalog.RegressionTrainers catalog,
        string modelPath, string labelColumnName = "Label", string scoreColumnName = "Score",
        string sentence1ColumnName = "Sentence1", string? sentence2ColumnName = "Sentence2", int? batchSize = null, int? maxEpochs = null,
        IDataView? validationSet = null, FineTuneOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(catalog);
        return new(modelPath, TaskKind.Regression, labelColumnName, new PipelineColumns(sentence1ColumnName, sentence2ColumnName, scoreColumnName, null),
            validationSet, Recipe(options, batchSize, maxEpochs));
    }

    /// <summary>
    /// Fine-tunes the ELECTRA folder <paramref name="modelPath"/> to tag every whitespace-separated word of a
    /// sentence (named-entity recognition, part-of-speech tagging), as <c>electra finetune</c> on a <c>.conll</c>
    /// task: the label on each word's first word piece. Adds <paramref name="outputColumnName"/>, a vector of keys
    /// of the label's type, one per word.
    /// </summary>
    /// <param name="catalog">The multiclass trainers of an <see cref="MLContext"/>.</param>
    /// <param name="modelPath">An Electra or HF ELECTRA discriminator folder.</param>
    /// <param name="labelColumnName">The label column: a vector of keys, one per word (<c>MapValueToKey</c> on a string vector).</param>
    /// <param name="outputColumnName">The predicted tags to add.</param>
    /// <param name="sentence1ColumnName">The sentence, its words separated by whitespace.</param>
    /// <param name="batchSize">Training sentences per step; null keeps <paramref name="options"/>'.</param>
    /// <param name="maxEpochs">Passes over the training data; null keeps <paramref name="options"/>'.</param>
    /// <param name="validationSet">Rows that choose the best epoch; null chooses on the training rows.</param>
    /// <param name="options">The rest of the recipe; null for the defaults of <c>electra finetune</c>.</param>
    public static ElectraTextTrainer ElectraNamedEntityRecognition(this MulticlassClassificationCatalog.MulticlassClassificationTrainers catalog,
        string modelPath, string labelColumnName = "Label", string outputColumnName = "PredictedLabel", string sentence1ColumnName = "Sentence",
        int? batchSize = null, int? maxEpochs = null, IDataView? validationSet = null, FineTuneOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(catalog);
        return new(modelPath, TaskKind.Token, labelColumnName, new PipelineColumns(sentence1ColumnName, null, null, outputColumnName),
            validationSet, Recipe(options, batchSize, maxEpochs));
    }

    /// <summary>
    /// Fine-tunes the ELECTRA folder <paramref name="modelPath"/> for extractive question answering, shaped like ML.NET's
    /// <c>QuestionAnswer</c> trainer: each row a context, a question, the answer's text and the index of its first
    /// character in the context (an empty answer marks an unanswerable question, SQuAD 2.0). Runs
    /// <c>electra finetune</c>'s SQuAD recipe (<see cref="Tasks.FineTune"/> on a <see cref="SquadTask"/>): doc-stride windows, HF's
    /// start/end loss, google's n-best decoding. Adds <paramref name="predictedAnswerColumnName"/> (the
    /// <paramref name="topK"/> best answers, best first, a vector of text) and <paramref name="scoreColumnName"/>
    /// (each answer's start + end logit; "" = no answer, for SQuAD 2.0 data, scores its [CLS] logits minus the no-answer
    /// threshold chosen on the validation set, and comes first exactly when that beats the best span).
    /// </summary>
    /// <param name="catalog">The multiclass trainers of an <see cref="MLContext"/> (where ML.NET puts its own).</param>
    /// <param name="modelPath">An Electra or HF ELECTRA discriminator folder.</param>
    /// <param name="contextColumnName">The paragraph the answer is cut from, text.</param>
    /// <param name="questionColumnName">The question, text.</param>
    /// <param name="trainingAnswerColumnName">The answer as written in the context, text ("" for no answer).</param>
    /// <param name="answerIndexColumnName">The answer's first character in the context, Int32 (0-based).</param>
    /// <param name="predictedAnswerColumnName">The answers to add.</param>
    /// <param name="scoreColumnName">Their scores to add.</param>
    /// <param name="topK">Answers per question.</param>
    /// <param name="batchSize">Training windows per step; null keeps <paramref name="options"/>' (32, google's).</param>
    /// <param name="maxEpochs">Passes over the training data; null keeps <paramref name="options"/>', or without them 2, <c>electra finetune</c>'s for question answering (google's for SQuAD).</param>
    /// <param name="validationSet">Rows that choose the best epoch (dev F1) and SQuAD 2.0's no-answer threshold; null chooses on the training rows.</param>
    /// <param name="options">The rest of the recipe (learning rate, seed, …); null for the defaults of <c>electra finetune</c>.</param>
    /// <param name="questionAnswering">Windowing and decoding (max sequence length, doc stride, max query and answer lengths); null for <c>electra finetune</c>'s (windows of 512 pieces, capped at the model's positions).</param>
    public static ElectraQuestionAnswerTrainer ElectraQuestionAnswer(this MulticlassClassificationCatalog.MulticlassClassificationTrainers catalog,
        string modelPath, string contextColumnName = "Context", string questionColumnName = "Question", string trainingAnswerColumnName = "TrainingAnswer",
        string answerIndexColumnName = "AnswerIndex", string predictedAnswerColumnName = "Answer", string scoreColumnName = "Score", int topK = 3,
        int? batchSize = null, int? maxEpochs = null, IDataView? validationSet = null, FineTuneOptions? options = null, QuestionAnsweringOptions? questionAnswering = null)
    {
        ArgumentNullException.ThrowIfNull(catalog);
        return new(modelPath, new QuestionAnswerColumns(contextColumnName, questionColumnName, trainingAnswerColumnName, answerIndexColumnName, predictedAnswerColumnName, scoreColumnName),
            topK, validationSet, Recipe(options, batchSize, maxEpochs ?? (options is null ? 2 : null)), questionAnswering);
    }

    static FineTuneOptions Recipe(FineTuneOptions? options, int? batchSize, int? maxEpochs)
    {
        var recipe = options ?? new FineTuneOptions();
        return recipe with { BatchSize = batchSize ?? recipe.BatchSize, Epochs = maxEpochs ?? recipe.Epochs };
    }
}
