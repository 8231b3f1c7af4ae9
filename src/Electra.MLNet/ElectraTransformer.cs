using Electra.FineTuning;
using Electra.FineTuning.QuestionAnswering;
using Microsoft.ML;
using Microsoft.ML.Data;

namespace Electra.MLNet;

/// <summary>
/// A fine-tuned ELECTRA model in an ML.NET pipeline: adds its trainer's output columns to any data with its input
/// columns. Saved by <c>mlContext.Model.Save</c> with the fine-tuned weights and tokenizer inside <c>model.zip</c>;
/// loaded back by <c>mlContext.Model.Load</c> (as ML.NET transforms: see the README's ML.NET section) in any process
/// that references Electra.MLNet.
/// </summary>
public abstract class ElectraScoringTransformer : ITransformer
{
    readonly ITransformer scoring;

    private protected ElectraScoringTransformer(ITransformer scoring) => this.scoring = scoring;

    /// <inheritdoc/>
    public bool IsRowToRowMapper => scoring.IsRowToRowMapper;

    /// <inheritdoc/>
    public DataViewSchema GetOutputSchema(DataViewSchema inputSchema) => scoring.GetOutputSchema(inputSchema);

    /// <inheritdoc/>
    public IRowToRowMapper GetRowToRowMapper(DataViewSchema inputSchema) => scoring.GetRowToRowMapper(inputSchema);

    /// <inheritdoc/>
    public IDataView Transform(IDataView input) => scoring.Transform(input);

    /// <summary>Writes the scoring pipeline (ML.NET's own transforms, the model package in a value map) into the model being saved.</summary>
    void ICanSaveModel.Save(ModelSaveContext ctx) => scoring.Save(ctx);
}

/// <summary>
/// A fine-tuned classifier, regression model or tagger: adds <c>PredictedLabel</c> and <c>Score</c> (or
/// <c>Score</c> alone for regression, <c>PredictedLabel</c> alone for tagging).
/// </summary>
public sealed class ElectraTransformer : ElectraScoringTransformer
{
    internal ElectraTransformer(ITransformer scoring, FineTuneResult result) : base(scoring) => Result = result;

    /// <summary>What fine-tuning measured: dev metrics per epoch and the best epoch (whose weights the model holds).</summary>
    public FineTuneResult Result { get; }
}

/// <summary>A fine-tuned extractive question-answering model: adds <c>Answer</c> (the top-K answers) and <c>Score</c> (theirs).</summary>
public sealed class ElectraQuestionAnswerTransformer : ElectraScoringTransformer
{
    internal ElectraQuestionAnswerTransformer(ITransformer scoring, FineTuneResult result) : base(scoring) => Result = result;

    /// <summary>What fine-tuning measured: dev exact match and F1 per epoch and the best epoch (whose weights the model holds).</summary>
    public FineTuneResult Result { get; }
}
