using Electra.FineTuning;
using Electra.FineTuning.QuestionAnswering;
using Electra.Interop;
using Electra.MLNet.Scoring;
using Electra.Tasks;
using Microsoft.ML;
using Microsoft.ML.Data;

namespace Electra.MLNet;

/// <summary>
/// Fine-tunes an ELECTRA discriminator folder for extractive question answering on the rows of an
/// <see cref="IDataView"/> (a context, a question, the answer's text and its character index in the context) with
/// Electra's recipe (<see cref="FineTune"/> on a <see cref="SquadTask"/>: the same run as <c>electra finetune</c> on the same
/// questions in a SQuAD folder and seed). Made by <see cref="ElectraCatalog"/>.
/// </summary>
public sealed class ElectraQuestionAnswerTrainer : IEstimator<ElectraQuestionAnswerTransformer>
{
    readonly MLContext ml = new();
    readonly string modelPath;
    readonly QuestionAnswerColumns names;
    readonly IDataView? validationSet;
    readonly FineTuneOptions recipe;
    readonly QuestionAnsweringOptions options;
    readonly int topK;

    internal ElectraQuestionAnswerTrainer(string modelPath, QuestionAnswerColumns names, int topK, IDataView? validationSet, FineTuneOptions recipe, QuestionAnsweringOptions? options)
    {
        if (!Directory.Exists(modelPath)) throw new DirectoryNotFoundException($"{modelPath}: no such model folder (expected an Electra or HF ELECTRA discriminator folder)");
        if (topK < 1) throw new ArgumentOutOfRangeException(nameof(topK), topK, "must be ≥ 1");
        this.modelPath = modelPath;
        this.names = names;
        this.topK = topK;
        this.validationSet = validationSet;
        this.recipe = recipe.Validate();
        // As `electra finetune`: windows of 512 pieces unless the model has fewer positions.
        this.options = (options ?? new QuestionAnsweringOptions { MaxSeqLength = Math.Min(512, Pretrained.ReadConfig(modelPath).MaxPositionEmbeddings) }).Validate();
    }

    /// <summary>
    /// Fine-tunes on <paramref name="input"/>. The best epoch (dev F1; for SQuAD 2.0 data also the no-answer threshold)
    /// is chosen on the validation set, or on the training rows when the trainer was given none.
    /// </summary>
    public ElectraQuestionAnswerTransformer Fit(IDataView input)
    {
        var train = Read(input, "training data");
        var dev = validationSet is null ? train : Read(validationSet, "validation set");
        var task = new SquadTask("ML.NET data", train, dev, null);
        string work = Path.Combine(Path.GetTempPath(), "electra-mlnet-" + Guid.NewGuid().ToString("N"));
        try
        {
            string folder = Path.Combine(work, "model");
            var result = FineTune.Run(modelPath, task, recipe with { MaxLength = options.MaxSeqLength, QuestionAnswering = options }, folder);
            string package = ModelPackage.Pack(folder, new ScoringSettings(options.MaxSeqLength, Array.Empty<string>(), topK));
            return new ElectraQuestionAnswerTransformer(ScoringPipeline.Fit(ml, null, Pipeline, package, null, input), result);
        }
        finally
        {
            if (Directory.Exists(work)) Directory.Delete(work, recursive: true); // the folder this call created
        }
    }

    /// <inheritdoc/>
    public SchemaShape GetOutputSchema(SchemaShape inputSchema) => ScoringPipeline.OutputSchema(ml, null, Pipeline, inputSchema);

    PipelineColumns Pipeline => new(names.Context, names.Question, names.Score, names.Answer);

    /// <summary>
    /// The rows of <paramref name="data"/> as SQuAD questions (id = row number, 1-based); <paramref name="source"/>
    /// names the data in errors. An empty training answer marks an unanswerable question (SQuAD 2.0).
    /// </summary>
    SquadDataset Read(IDataView data, string source)
    {
        var schema = data.Schema;
        var context = ElectraTextTrainer.TextColumn(schema, names.Context, source);
        var question = ElectraTextTrainer.TextColumn(schema, names.Question, source);
        var answer = ElectraTextTrainer.TextColumn(schema, names.TrainingAnswer, source);
        var index = schema.GetColumnOrNull(names.AnswerIndex) ?? throw new ArgumentException($"{source}: no answer index column '{names.AnswerIndex}'");
        if (index.Type != NumberDataViewType.Int32) throw new ArgumentException($"{source}: the answer index column '{names.AnswerIndex}' is {index.Type}, not Int32 (the answer's first character in the context)");

        var examples = new List<SquadExample>();
        using var cursor = data.GetRowCursor(new[] { context, question, answer, index });
        var getContext = cursor.GetGetter<ReadOnlyMemory<char>>(context);
        var getQuestion = cursor.GetGetter<ReadOnlyMemory<char>>(question);
        var getAnswer = cursor.GetGetter<ReadOnlyMemory<char>>(answer);
        var getIndex = cursor.GetGetter<int>(index);
        ReadOnlyMemory<char> c = default, q = default, a = default;
        int start = 0;
        for (int row = 1; cursor.MoveNext(); row++)
        {
            getContext(ref c);
            getQuestion(ref q);
            getAnswer(ref a);
            getIndex(ref start);
            string text = c.ToString(), answerText = a.ToString();
            if (answerText.Length > 0 && (start < 0 || start + answerText.Length > text.Length || !text.AsSpan(start, answerText.Length).SequenceEqual(answerText)))
                throw new InvalidDataException($"{source}: row {row}'s answer index {start} does not point at its answer \"{answerText}\" in the context ('{names.AnswerIndex}' is the answer's first character, 0-based)");
            var answers = answerText.Length > 0 ? new[] { new SquadAnswer(answerText, start) } : Array.Empty<SquadAnswer>();
            examples.Add(new SquadExample(row.ToString(System.Globalization.CultureInfo.InvariantCulture), q.ToString(), text, answers, answerText.Length == 0));
        }
        if (examples.Count == 0) throw new InvalidDataException($"{source}: no rows");
        return new SquadDataset(source, examples, examples.Any(e => e.IsImpossible));
    }
}

/// <summary>The question-answering trainer's column names (ML.NET's <c>QuestionAnswer</c> defaults).</summary>
sealed record QuestionAnswerColumns(string Context, string Question, string TrainingAnswer, string AnswerIndex, string Answer, string Score);
