using Electra.FineTuning;
using Microsoft.ML;
using Microsoft.ML.Data;

namespace Electra.MLNet;

/// <summary>
/// A fine-tuned ELECTRA model in an ML.NET pipeline: adds the trainer's output columns (<c>PredictedLabel</c> and
/// <c>Score</c>, or <c>Score</c> alone for regression) to any data with its text columns. Saved by
/// <c>mlContext.Model.Save</c> with the fine-tuned weights and tokenizer inside <c>model.zip</c>; loaded back by
/// <c>mlContext.Model.Load</c> (as ML.NET transforms: see the README's ML.NET section) in any process that
/// references Electra.MLNet.
/// </summary>
public sealed class ElectraTransformer : ITransformer
{
    readonly ITransformer scoring;

    internal ElectraTransformer(ITransformer scoring, FineTuneResult result)
    {
        this.scoring = scoring;
        Result = result;
    }

    /// <summary>What fine-tuning measured: dev metrics per epoch and the best epoch (whose weights the model holds).</summary>
    public FineTuneResult Result { get; }

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
