using Microsoft.ML.Data;
using Microsoft.ML.Transforms;

// Public because ML.NET rebuilds saved custom mappings by reflection over these types; users never call them.

namespace Electra.MLNet.Scoring;

/// <summary>
/// The columns the scoring pipeline works on. ML.NET rebuilds a saved custom mapping from its contract name alone,
/// with the column names and types of these classes, so they are fixed; the pipeline copies the user's columns in
/// and its results out (<see cref="ScoringPipeline"/>).
/// </summary>
static class Columns
{
    public const string Text = "ElectraText";
    public const string TextB = "ElectraTextB";
    public const string Key = "ElectraModelKey";
    public const string Model = "ElectraModel";
    public const string Label = "ElectraLabel";
    public const string Scores = "ElectraScores";
    public const string Value = "ElectraValue";
    public const string Tags = "ElectraTags";
    public const string Answers = "ElectraAnswers";
    public const string AnswerScores = "ElectraAnswerScores";

    /// <summary>The one key of the value map that holds the model package.</summary>
    public const string ModelKey = "model";

    /// <summary>
    /// Classes a classifier may have. A saved custom mapping's vectors are of this fixed size (or of unknown size,
    /// which ML.NET's evaluators refuse); a count-based slot selection then keeps the first K.
    /// </summary>
    public const int MaxClasses = 1024;
}

/// <summary>A text column alone.</summary>
public sealed class TextRow
{
    /// <summary>The text.</summary>
    [ColumnName(Columns.Text)] public string Text = "";
}

/// <summary>The constant key that selects the model package.</summary>
public sealed class ModelKeyRow
{
    /// <summary>Always <c>model</c>.</summary>
    [ColumnName(Columns.Key)] public string Key = "";
}

/// <summary>A text and the model package.</summary>
public class ScoringInput
{
    /// <summary>The text.</summary>
    [ColumnName(Columns.Text)] public string Text = "";

    /// <summary>The model package (see the README's ML.NET section).</summary>
    [ColumnName(Columns.Model)] public ReadOnlyMemory<char> Model;
}

/// <summary>A text pair and the model package.</summary>
public sealed class PairScoringInput : ScoringInput
{
    /// <summary>The second text.</summary>
    [ColumnName(Columns.TextB)] public string TextB = "";
}

/// <summary>A classifier's output before its columns get their key and vector types.</summary>
public sealed class ClassOutput
{
    /// <summary>The predicted class name.</summary>
    [ColumnName(Columns.Label)] public string Label = "";

    /// <summary>Class probabilities in key order, zero-padded.</summary>
    [ColumnName(Columns.Scores), VectorType(Columns.MaxClasses)] public float[] Scores = new float[Columns.MaxClasses];
}

/// <summary>A regression model's output.</summary>
public sealed class ValueOutput
{
    /// <summary>The predicted value.</summary>
    [ColumnName(Columns.Value)] public float Value;
}

/// <summary>A tagger's output: one tag name per word, before they become keys.</summary>
public sealed class TagOutput
{
    /// <summary>The predicted tag of each word.</summary>
    [ColumnName(Columns.Tags)] public string[] Tags = Array.Empty<string>();
}

/// <summary>A question-answering model's output: the top-K answers, best first, and their scores.</summary>
public sealed class AnswerOutput
{
    /// <summary>The answers, cut from the context ("" = no answer, SQuAD 2.0 models).</summary>
    [ColumnName(Columns.Answers)] public string[] Answers = Array.Empty<string>();

    /// <summary>Each answer's start + end logit (for "", the [CLS] position's minus the no-answer threshold).</summary>
    [ColumnName(Columns.AnswerScores)] public float[] Scores = Array.Empty<float>();
}

/// <summary>Adds the constant key <c>model</c>, which the value map turns into the model package.</summary>
[CustomMappingFactoryAttribute("Electra.MLNet.ModelKey")]
public sealed class ModelKeyMapping : CustomMappingFactory<TextRow, ModelKeyRow>
{
    /// <inheritdoc/>
    public override Action<TextRow, ModelKeyRow> GetMapping() => (_, row) => row.Key = Columns.ModelKey;
}

/// <summary>Classifies one text with the packaged model.</summary>
[CustomMappingFactoryAttribute("Electra.MLNet.Classify")]
public sealed class ClassifyMapping : CustomMappingFactory<ScoringInput, ClassOutput>
{
    /// <inheritdoc/>
    public override Action<ScoringInput, ClassOutput> GetMapping() => (input, output) => Write(ModelPackage.Get(input.Model).Classify(input.Text, null), output);

    internal static void Write((float[] Scores, string Label) result, ClassOutput output)
    {
        output.Label = result.Label;
        output.Scores = new float[Columns.MaxClasses];
        result.Scores.CopyTo(output.Scores, 0);
    }
}

/// <summary>Classifies one text pair with the packaged model.</summary>
[CustomMappingFactoryAttribute("Electra.MLNet.ClassifyPair")]
public sealed class ClassifyPairMapping : CustomMappingFactory<PairScoringInput, ClassOutput>
{
    /// <inheritdoc/>
    public override Action<PairScoringInput, ClassOutput> GetMapping() => (input, output) => ClassifyMapping.Write(ModelPackage.Get(input.Model).Classify(input.Text, input.TextB), output);
}

/// <summary>Predicts the value of one text with the packaged regression model.</summary>
[CustomMappingFactoryAttribute("Electra.MLNet.Regress")]
public sealed class RegressMapping : CustomMappingFactory<ScoringInput, ValueOutput>
{
    /// <inheritdoc/>
    public override Action<ScoringInput, ValueOutput> GetMapping() => (input, output) => output.Value = ModelPackage.Get(input.Model).Regress(input.Text, null);
}

/// <summary>Predicts the value of one text pair with the packaged regression model.</summary>
[CustomMappingFactoryAttribute("Electra.MLNet.RegressPair")]
public sealed class RegressPairMapping : CustomMappingFactory<PairScoringInput, ValueOutput>
{
    /// <inheritdoc/>
    public override Action<PairScoringInput, ValueOutput> GetMapping() => (input, output) => output.Value = ModelPackage.Get(input.Model).Regress(input.Text, input.TextB);
}

/// <summary>Tags each word of one sentence with the packaged token-classification model.</summary>
[CustomMappingFactoryAttribute("Electra.MLNet.Tag")]
public sealed class TagMapping : CustomMappingFactory<ScoringInput, TagOutput>
{
    /// <inheritdoc/>
    public override Action<ScoringInput, TagOutput> GetMapping() => (input, output) => output.Tags = ModelPackage.Get(input.Model).Tag(input.Text);
}

/// <summary>Answers one question (<see cref="PairScoringInput.TextB"/>) from its context (<see cref="ScoringInput.Text"/>) with the packaged model.</summary>
[CustomMappingFactoryAttribute("Electra.MLNet.Answer")]
public sealed class AnswerMapping : CustomMappingFactory<PairScoringInput, AnswerOutput>
{
    /// <inheritdoc/>
    public override Action<PairScoringInput, AnswerOutput> GetMapping() => (input, output) =>
    {
        var answers = ModelPackage.Get(input.Model).Answer(input.Text, input.TextB);
        output.Answers = answers.Select(a => a.Text).ToArray();
        output.Scores = answers.Select(a => (float)a.Score).ToArray();
    };
}
