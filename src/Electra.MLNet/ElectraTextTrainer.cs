using System.Globalization;
using Electra.FineTuning;
using Electra.MLNet.Scoring;
using Electra.Tasks;
using Microsoft.ML;
using Microsoft.ML.Data;

namespace Electra.MLNet;

/// <summary>
/// Fine-tunes an ELECTRA discriminator folder on the rows of an <see cref="IDataView"/> with Electra's recipe
/// (<see cref="FineTune"/>, the same run as <c>electra finetune</c> on the same rows and seed): text
/// classification of single texts or pairs (the label a key column, as in ML.NET's trainers), regression on a
/// float label (sentence similarity), or word tagging (named-entity recognition: the label a vector of keys, one per
/// whitespace-separated word). Made by <see cref="ElectraCatalog"/>.
/// </summary>
public sealed class ElectraTextTrainer : IEstimator<ElectraTransformer>
{
    readonly MLContext ml = new();
    readonly string modelPath;
    readonly TaskKind kind;
    readonly string labelColumnName;
    readonly PipelineColumns columns;
    readonly IDataView? validationSet;
    readonly FineTuneOptions options;

    internal ElectraTextTrainer(string modelPath, TaskKind kind, string labelColumnName, PipelineColumns columns, IDataView? validationSet, FineTuneOptions options)
    {
        if (!Directory.Exists(modelPath)) throw new DirectoryNotFoundException($"{modelPath}: no such model folder (expected an Electra or HF ELECTRA discriminator folder)");
        this.modelPath = modelPath;
        this.kind = kind;
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
        var keyNames = kind == TaskKind.Regression ? null : KeyNames(input.Schema[labelColumnName]);
        if (kind == TaskKind.Sequence && keyNames!.Length > Columns.MaxClasses)
            throw new ArgumentException($"the label column '{labelColumnName}' has {keyNames.Length} classes; a saved Electra.MLNet classifier holds at most {Columns.MaxClasses} (see the README's ML.NET section)");
        var labels = kind == TaskKind.Regression ? LabelSet.Regression : LabelSet.FromTraining(train.GoldLabels().Select(g => g.Label));
        var task = new ClassificationTask("ML.NET data", kind, labels, train, dev, null);
        string work = Path.Combine(Path.GetTempPath(), "electra-mlnet-" + Guid.NewGuid().ToString("N"));
        try
        {
            string folder = Path.Combine(work, "model");
            var result = FineTune.Run(modelPath, task, options, folder);
            string package = ModelPackage.Pack(folder, new ScoringSettings(options.MaxLength, keyNames ?? Array.Empty<string>()));
            return new ElectraTransformer(ScoringPipeline.Fit(ml, kind, columns, package, keyNames, input), result);
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
        return ScoringPipeline.OutputSchema(ml, kind, columns, inputSchema);
    }

    /// <summary>The label key's names in key order (for a vector of keys, its items'): its key values, or the key numbers 1 … K without them.</summary>
    static string[] KeyNames(DataViewSchema.Column label)
    {
        int count = (int)((KeyDataViewType)(label.Type is VectorDataViewType vector ? vector.ItemType : label.Type)).Count;
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
        string? wrong = kind switch
        {
            TaskKind.Sequence when label.Type is not KeyDataViewType => "not a key type (map it with mlContext.Transforms.Conversion.MapValueToKey, as for ML.NET's TextClassification)",
            TaskKind.Regression when label.Type != NumberDataViewType.Single => "not Single (a float value)",
            TaskKind.Token when label.Type is not VectorDataViewType { ItemType: KeyDataViewType } => "not a vector of keys (one per word: MapValueToKey on a string vector, as for ML.NET's NamedEntityRecognition)",
            _ => null,
        };
        if (wrong is not null) throw new ArgumentException($"{source}: the label column '{labelColumnName}' is {label.Type}, {wrong}");
        var names = kind == TaskKind.Regression ? null : KeyNames(label);

        var texts = new List<SequenceExample>();
        var sentences = new List<TokenExample>();
        using var cursor = data.GetRowCursor(new[] { text, label }.Concat(textB is { } b ? new[] { b } : Array.Empty<DataViewSchema.Column>()));
        var getText = cursor.GetGetter<ReadOnlyMemory<char>>(text);
        var getTextB = textB is { } c ? cursor.GetGetter<ReadOnlyMemory<char>>(c) : null;
        var getKey = kind == TaskKind.Sequence ? cursor.GetGetter<uint>(label) : null;
        var getValue = kind == TaskKind.Regression ? cursor.GetGetter<float>(label) : null;
        var getKeys = kind == TaskKind.Token ? cursor.GetGetter<VBuffer<uint>>(label) : null;
        ReadOnlyMemory<char> a = default, second = default;
        uint key = 0;
        float value = 0;
        VBuffer<uint> keys = default;
        for (int row = 1; cursor.MoveNext(); row++)
        {
            getText(ref a);
            getTextB?.Invoke(ref second);
            string Name(uint k) => k >= 1 && k <= names!.Length ? names[k - 1]
                : throw new InvalidDataException($"{source}: row {row} has a missing label (a missing key in '{labelColumnName}')");
            if (getKeys is not null)
            {
                getKeys(ref keys);
                var words = ModelPackage.Words(a.ToString());
                if (keys.Length != words.Length)
                    throw new InvalidDataException($"{source}: row {row} has {words.Length} words but {keys.Length} labels in '{labelColumnName}' (one per whitespace-separated word)");
                sentences.Add(new TokenExample(words, keys.DenseValues().Select(Name).ToArray(), row));
                continue;
            }
            string gold;
            if (getKey is not null)
            {
                getKey(ref key);
                gold = Name(key);
            }
            else
            {
                getValue!(ref value);
                if (!float.IsFinite(value)) throw new InvalidDataException($"{source}: row {row} has the label {value} (not a finite number)");
                gold = value.ToString("R", CultureInfo.InvariantCulture);
            }
            texts.Add(new SequenceExample(a.ToString(), getTextB is null ? null : second.ToString(), gold, row));
        }
        if (texts.Count + sentences.Count == 0) throw new InvalidDataException($"{source}: no rows");
        return kind == TaskKind.Token ? TaskSplit.FromSentences(source, sentences) : TaskSplit.FromTexts(source, texts);
    }

    /// <summary>The text column <paramref name="name"/>; errors name <paramref name="source"/>.</summary>
    internal static DataViewSchema.Column TextColumn(DataViewSchema schema, string name, string source)
    {
        var column = schema.GetColumnOrNull(name) ?? throw new ArgumentException($"{source}: no text column '{name}'");
        return column.Type is TextDataViewType ? column : throw new ArgumentException($"{source}: the column '{name}' is {column.Type}, not text");
    }
}
