using Electra.FineTuning;
using Microsoft.ML;
using Microsoft.ML.Data;

namespace Electra.MLNet.Scoring;

/// <summary>The user's column names for one trainer: its inputs and what it adds.</summary>
/// <param name="Sentence1">The (first) text.</param>
/// <param name="Sentence2">The second text of a pair, or null.</param>
/// <param name="Score">Class probabilities (a vector in the label's key order), the predicted value, or the answers' scores; null for tagging.</param>
/// <param name="PredictedLabel">The predicted class (a key of the label's type), tags (a vector of them) or answers; null for regression.</param>
sealed record PipelineColumns(string Sentence1, string? Sentence2, string? Score, string? PredictedLabel);

/// <summary>
/// What a fitted Electra trainer is, in ML.NET's own savable transforms, so <c>mlContext.Model.Save</c> writes it
/// whole into <c>model.zip</c> and <c>mlContext.Model.Load</c> rebuilds it in any process that references
/// Electra.MLNet. ML.NET keeps the APIs a custom transformer needs to save itself internal; this pipeline is the
/// public route:
/// <list type="number">
/// <item>copy the user's text columns to the fixed names the scorer reads;</item>
/// <item>a custom mapping adds the constant key <c>model</c>;</item>
/// <item>a value map turns that key into the <see cref="ModelPackage"/> (the fine-tuned folder as base64 text): the
/// value map's table is what carries the weights into <c>model.zip</c>;</item>
/// <item>a custom mapping scores each row with the package, decoded once per loaded model;</item>
/// <item>classifiers: a value-to-key map gives <c>PredictedLabel</c> the label column's key type and names, and a
/// count-based slot selection cuts the scores to the number of classes (a saved custom mapping only has fixed-size
/// vectors); taggers: a value-to-key map makes the tag names a vector of keys; regression: the value is copied to
/// <c>Score</c>; question answering: the answers and their scores are copied to their columns;</item>
/// <item>the working columns are dropped.</item>
/// </list>
/// </summary>
static class ScoringPipeline
{
    /// <summary>
    /// The fitted pipeline for <paramref name="package"/>, whose classes (if any) are <paramref name="keyNames"/> in key
    /// order. <paramref name="kind"/> null is question answering (fine-tuned by its own trainer, with no <see cref="TaskKind"/>).
    /// </summary>
    public static ITransformer Fit(MLContext ml, TaskKind? kind, PipelineColumns columns, string package, IReadOnlyList<string>? keyNames, IDataView input)
    {
        var selectedScores = kind != TaskKind.Sequence ? null : ml.Data.LoadFromEnumerable(new[]
        {
            new ClassOutput { Scores = Enumerable.Range(0, Columns.MaxClasses).Select(i => i < keyNames!.Count ? 1f : 0f).ToArray() },
        });
        var transformers = new List<ITransformer>();
        var data = input;
        foreach (var estimator in Estimators(ml, kind, columns, package, keyNames))
        {
            // The slot selection counts non-zero slots: fitted on one row of K ones, it keeps the first K.
            var transformer = estimator is Microsoft.ML.Transforms.CountFeatureSelectingEstimator ? estimator.Fit(selectedScores!) : estimator.Fit(data);
            transformers.Add(transformer);
            data = transformer.Transform(data);
        }
        return new TransformerChain<ITransformer>(transformers.ToArray());
    }

    /// <summary>The columns the pipeline adds to <paramref name="input"/>, checking that it has the text columns.</summary>
    public static SchemaShape OutputSchema(MLContext ml, TaskKind? kind, PipelineColumns columns, SchemaShape input) =>
        Estimators(ml, kind, columns, "", new[] { "" }).Aggregate((IEstimator<ITransformer>)new EstimatorChain<ITransformer>(), (chain, next) => chain.Append(next)).GetOutputSchema(input);

    static IEnumerable<IEstimator<ITransformer>> Estimators(MLContext ml, TaskKind? kind, PipelineColumns columns, string package, IReadOnlyList<string>? keyNames)
    {
        bool pair = columns.Sentence2 is not null;
        yield return ml.Transforms.CopyColumns(Columns.Text, columns.Sentence1);
        if (pair) yield return ml.Transforms.CopyColumns(Columns.TextB, columns.Sentence2);
        yield return ml.Transforms.CustomMapping(new ModelKeyMapping().GetMapping(), "Electra.MLNet.ModelKey");
        yield return ml.Transforms.Conversion.MapValue(Columns.Model, new[] { KeyValuePair.Create(Columns.ModelKey, package) }, Columns.Key);
        var keys = keyNames is null ? null : ml.Data.LoadFromEnumerable(keyNames.Select(name => new TextRow { Text = name }));
        var working = new List<string> { Columns.Text, Columns.Key, Columns.Model };
        if (pair) working.Add(Columns.TextB);
        switch (kind)
        {
            case TaskKind.Sequence:
                yield return pair
                    ? ml.Transforms.CustomMapping(new ClassifyPairMapping().GetMapping(), "Electra.MLNet.ClassifyPair")
                    : ml.Transforms.CustomMapping(new ClassifyMapping().GetMapping(), "Electra.MLNet.Classify");
                yield return ml.Transforms.Conversion.MapValueToKey(columns.PredictedLabel!, Columns.Label, keyData: keys);
                yield return ml.Transforms.FeatureSelection.SelectFeaturesBasedOnCount(columns.Score!, Columns.Scores, count: 1);
                working.AddRange(new[] { Columns.Label, Columns.Scores });
                break;
            case TaskKind.Regression:
                yield return pair
                    ? ml.Transforms.CustomMapping(new RegressPairMapping().GetMapping(), "Electra.MLNet.RegressPair")
                    : ml.Transforms.CustomMapping(new RegressMapping().GetMapping(), "Electra.MLNet.Regress");
                yield return ml.Transforms.CopyColumns(columns.Score!, Columns.Value);
                working.Add(Columns.Value);
                break;
            case null:
                yield return ml.Transforms.CustomMapping(new AnswerMapping().GetMapping(), "Electra.MLNet.Answer");
                yield return ml.Transforms.CopyColumns(columns.PredictedLabel!, Columns.Answers);
                yield return ml.Transforms.CopyColumns(columns.Score!, Columns.AnswerScores);
                working.AddRange(new[] { Columns.Answers, Columns.AnswerScores });
                break;
            case TaskKind.Token:
                yield return ml.Transforms.CustomMapping(new TagMapping().GetMapping(), "Electra.MLNet.Tag");
                yield return ml.Transforms.Conversion.MapValueToKey(columns.PredictedLabel!, Columns.Tags, keyData: keys);
                working.Add(Columns.Tags);
                break;
            default:
                throw new ArgumentException($"Electra.MLNet has no trainer for {kind} tasks");
        }
        yield return ml.Transforms.DropColumns(working.ToArray());
    }
}
