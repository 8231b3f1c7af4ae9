using System.Globalization;
using Electra.FineTuning;
using Electra.MLNet.Scoring;
using Microsoft.ML;
using Microsoft.ML.Data;

namespace Electra.MLNet;

/// <summary>
/// Fine-tunes an ELECTRA discriminator folder on the rows of an <see cref="IDataView"/> with Electra's recipe
/// (<see cref="FineTuner"/>, the same run as <c>electra finetune</c> on the same rows and seed): text
/// classification of single texts or pairs (the label a key column, as in ML.NET's trainers), or regression on a
/// float label (sentence similarity). Made by <see cref="ElectraCatalog"/>.
/// </summary>
public sealed class ElectraTextTrainer : IEstimator<ElectraTransformer>
{
    readonly MLContext ml = new();
    readonly string modelPath;
    readonly bool classifier;
    readonly string labelColumnName;
    readonly PipelineColumns columns;
    readonly IDataView? validationSet;
    readonly FineTuneOptions options;

    internal ElectraTextTrainer(string modelPath, bool classifier, string labelColumnName, PipelineColumns columns, IDataView? validationSet, FineTuneOptions options)
    {
        if (!Directory.Exists(modelPath)) throw new DirectoryNotFoundException($"{modelPath}: no such model folder (expected an Electra or HF ELECTRA discriminator folder)");
        this.modelPath = modelPath;
        this.classifier = classifier;
        this.labelColumnName = labelColumnName;
        this.columns = columns;
        this.validationSet = validationSet;
        this.options = options.Validate();
    }

    /// <summary>
    /// Fine-tunes on <paramref name="input"/>. The best epoch is chosen on the validation set, or on the training
    /// rows when the trainer was given none (<c>electra finetune</c> always has a dev file).
    /// </summary>
    public ElectraTransformer Fit(IDataView input)
    {
        var train = Read(input, "training data");
        var dev = validationSet is null ? train : Read(validationSet, "validation set");
        var keyNames = classifier ? KeyNames(input.Schema[labelColumnName]) : null;
        var labels = classifier ? LabelSet.FromTraining(train.Texts!.Select(t => t.Label!)) : LabelSet.Regression;
        var task = new FineTuningTask("ML.NET data", classifier ? TaskKind.Sequence : TaskKind.Regression, labels, train, dev, null);
        string work = Path.Combine(Path.GetTempPath(), "electra-mlnet-" + Guid.NewGuid().ToString("N"));
        try
        {
            string folder = Path.Combine(work, "model");
            var result = FineTuner.Run(modelPath, task, options, folder);
            string package = ModelPackage.Pack(folder, new ScoringSettings(options.MaxLength, keyNames ?? Array.Empty<string>()));
            return new ElectraTransformer(ScoringPipeline.Fit(ml, columns, package, keyNames, input), result);
        }
        finally
        {
            if (Directory.Exists(work)) Directory.Delete(work, recursive: true); // the folder this call created
        }
    }

    /// <inheritdoc/>
    public SchemaShape GetOutputSchema(SchemaShape inputSchema)
    {
        if (!inputSchema.Any(c => c.Name == labelColumnName)) throw new ArgumentException($"the data has no label column '{labelColumnName}'", nameof(inputSchema));
        return ScoringPipeline.OutputSchema(ml, columns, inputSchema, classifier);
    }

    /// <summary>The label key's names in key order: its key values, or the key numbers 1 … K without them.</summary>
    static string[] KeyNames(DataViewSchema.Column label)
    {
        int count = (int)((KeyDataViewType)label.Type).Count;
        if (!label.HasKeyValues()) return Enumerable.Range(1, count).Select(k => k.ToString(CultureInfo.InvariantCulture)).ToArray();
        VBuffer<ReadOnlyMemory<char>> values = default;
        label.GetKeyValues(ref values);
        return values.DenseValues().Select(v => v.ToString()).ToArray();
    }

    /// <summary>The rows of <paramref name="data"/> as a task split; <paramref name="source"/> names the data in errors, the row (1-based) stands for the line.</summary>
    TaskSplit Read(IDataView data, string source)
    {
        var schema = data.Schema;
        var text = TextColumn(schema, columns.Sentence1, source);
        var textB = columns.Sentence2 is null ? (DataViewSchema.Column?)null : TextColumn(schema, columns.Sentence2, source);
        var label = schema.GetColumnOrNull(labelColumnName) ?? throw new ArgumentException($"{source}: no label column '{labelColumnName}'");
        if (classifier && label.Type is not KeyDataViewType)
            throw new ArgumentException($"{source}: the label column '{labelColumnName}' is {label.Type}, not a key type (map it with mlContext.Transforms.Conversion.MapValueToKey, as for ML.NET's TextClassification)");
        if (!classifier && label.Type != NumberDataViewType.Single)
            throw new ArgumentException($"{source}: the label column '{labelColumnName}' is {label.Type}, not Single (a float value)");
        var names = classifier ? KeyNames(label) : null;

        var examples = new List<SequenceExample>();
        using var cursor = data.GetRowCursor(new[] { text, label }.Concat(textB is { } b ? new[] { b } : Array.Empty<DataViewSchema.Column>()));
        var getText = cursor.GetGetter<ReadOnlyMemory<char>>(text);
        var getTextB = textB is { } c ? cursor.GetGetter<ReadOnlyMemory<char>>(c) : null;
        var getKey = classifier ? cursor.GetGetter<uint>(label) : null;
        var getValue = classifier ? null : cursor.GetGetter<float>(label);
        ReadOnlyMemory<char> a = default, second = default;
        uint key = 0;
        float value = 0;
        while (cursor.MoveNext())
        {
            int row = examples.Count + 1;
            getText(ref a);
            getTextB?.Invoke(ref second);
            string gold;
            if (getKey is not null)
            {
                getKey(ref key);
                if (key == 0 || key > names!.Length) throw new InvalidDataException($"{source}: row {row} has no label (a missing key in '{labelColumnName}')");
                gold = names[key - 1];
            }
            else
            {
                getValue!(ref value);
                if (!float.IsFinite(value)) throw new InvalidDataException($"{source}: row {row} has the label {value} (not a finite number)");
                gold = value.ToString("R", CultureInfo.InvariantCulture);
            }
            examples.Add(new SequenceExample(a.ToString(), getTextB is null ? null : second.ToString(), gold, row));
        }
        if (examples.Count == 0) throw new InvalidDataException($"{source}: no rows");
        return TaskSplit.FromTexts(source, examples);
    }

    static DataViewSchema.Column TextColumn(DataViewSchema schema, string name, string source)
    {
        var column = schema.GetColumnOrNull(name) ?? throw new ArgumentException($"{source}: no text column '{name}'");
        return column.Type is TextDataViewType ? column : throw new ArgumentException($"{source}: the column '{name}' is {column.Type}, not text");
    }
}
