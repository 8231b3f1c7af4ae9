using System.IO.Compression;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Text.Json;
using Electra.FineTuning;
using Electra.FineTuning.QuestionAnswering;
using Electra.Native;
using Electra.Tokenization;

namespace Electra.MLNet.Scoring;

/// <summary>
/// A fine-tuned model as one text value: the HF folder <see cref="Tasks.FineTune"/> writes (config, weights, tokenizer
/// files) plus <see cref="ScoringSettings"/>, zipped and base64-encoded. ML.NET's public API has no way for a custom
/// transformer to write bytes into <c>model.zip</c>, but its value-mapping transform saves its lookup table there; the
/// scoring pipeline keeps the package in one (see <see cref="ScoringPipeline"/>) and the scorer reads it back as a column.
/// </summary>
sealed class ModelPackage
{
    const string SettingsFile = "electra-mlnet.json";

    /// <summary>Decoded packages by the object that backs the column value, so each is unpacked once per loaded model.</summary>
    static readonly ConditionalWeakTable<object, ModelPackage> Loaded = new();

    readonly ElectraClassifier? classifier;
    readonly QuestionAnsweringPredictor? reader;

    ModelPackage(ElectraClassifier? classifier, QuestionAnsweringPredictor? reader, WordPieceTokenizer tokenizer, ScoringSettings settings)
    {
        this.classifier = classifier;
        this.reader = reader;
        Tokenizer = tokenizer;
        Settings = settings;
    }

    /// <summary>The classifier, regression model or tagger (every package but question answering's).</summary>
    public ElectraClassifier Model => classifier ?? throw new InvalidOperationException("this Electra model answers questions; it has no labels or values to predict");

    /// <summary>The question-answering model.</summary>
    QuestionAnsweringPredictor Reader => reader ?? throw new InvalidOperationException("this Electra model is not a question-answering model");

    public WordPieceTokenizer Tokenizer { get; }

    public ScoringSettings Settings { get; }

    /// <summary>Zips every file of the fine-tuned folder <paramref name="dir"/> with <paramref name="settings"/> into base64 text.</summary>
    public static string Pack(string dir, ScoringSettings settings)
    {
        using var bytes = new MemoryStream();
        using (var zip = new ZipArchive(bytes, ZipArchiveMode.Create, leaveOpen: true))
        {
            foreach (string file in Directory.GetFiles(dir).Order(StringComparer.Ordinal))
                zip.CreateEntryFromFile(file, Path.GetFileName(file), CompressionLevel.Fastest);
            using var writer = zip.CreateEntry(SettingsFile).Open();
            JsonSerializer.Serialize(writer, settings);
        }
        return Convert.ToBase64String(bytes.GetBuffer(), 0, (int)bytes.Length);
    }

    /// <summary>The package a column value holds, unpacked on first use and kept while the value's storage lives.</summary>
    public static ModelPackage Get(ReadOnlyMemory<char> packed)
    {
        object key = MemoryMarshal.TryGetString(packed, out string? text, out _, out _) ? text
            : MemoryMarshal.TryGetArray(packed, out ArraySegment<char> chars) ? chars.Array!
            : packed.ToString();
        lock (Loaded)
        {
            if (!Loaded.TryGetValue(key, out var package))
            {
                package = Unpack(packed.Span);
                Loaded.Add(key, package);
            }
            return package;
        }
    }

    static ModelPackage Unpack(ReadOnlySpan<char> packed)
    {
        if (packed.IsEmpty) throw new InvalidOperationException("the Electra model column is empty: the model.zip lacks its Electra model (was the pipeline saved by Electra.MLNet?)");
        var bytes = new byte[packed.Length / 4 * 3];
        if (!Convert.TryFromBase64Chars(packed, bytes, out int length))
            throw new InvalidDataException("the Electra model in this ML.NET model is not valid base64: the model.zip is damaged");
        string dir = Path.Combine(Path.GetTempPath(), "electra-mlnet-" + Guid.NewGuid().ToString("N"));
        try
        {
            using (var zip = new ZipArchive(new MemoryStream(bytes, 0, length), ZipArchiveMode.Read))
                zip.ExtractToDirectory(dir);
            var settings = JsonSerializer.Deserialize<ScoringSettings>(File.ReadAllText(Path.Combine(dir, SettingsFile)))
                ?? throw new InvalidDataException($"the Electra model in this ML.NET model has an empty {SettingsFile}");
            TorchRuntime.EnsureLoaded();
            if (File.Exists(Path.Combine(dir, QuestionAnsweringOptions.FileName)))
            {
                var predictor = QuestionAnsweringPredictor.Load(dir);
                return new ModelPackage(null, predictor, predictor.Tokenizer, settings);
            }
            var model = ElectraClassifier.Load(dir);
            return new ModelPackage(model, null, ElectraClassifier.LoadTokenizer(dir, model.Config), settings);
        }
        finally
        {
            if (Directory.Exists(dir)) Directory.Delete(dir, recursive: true); // the folder this call created
        }
    }

    /// <summary>
    /// The class probabilities of one text (or pair) in the order of <see cref="ScoringSettings.KeyNames"/> (the
    /// label column's key order; a class the training data lacked scores 0) and the most probable class's name.
    /// </summary>
    public (float[] Scores, string Label) Classify(string text, string? textB)
    {
        float[] probabilities;
        lock (this) probabilities = FineTuner.PredictProbabilities(Model, Encode(text, textB), Tokenizer.PadId)[0];
        var scores = Settings.KeyNames.Select(name => Model.Labels.TryGetId(name, out int id) ? probabilities[id] : 0f).ToArray();
        int best = 0; // arg-max in the model's label order, as FineTuner.Predict breaks ties
        for (int i = 1; i < probabilities.Length; i++) if (probabilities[i] > probabilities[best]) best = i;
        return (scores, Model.Labels.Names[best]);
    }

    /// <summary>The predicted value of one text (or pair) of a regression model.</summary>
    public float Regress(string text, string? textB)
    {
        lock (this) return (float)FineTuner.PredictValues(Model, Encode(text, textB), Tokenizer.PadId)[0];
    }

    /// <summary>
    /// The predicted tag of every whitespace-separated word of <paramref name="sentence"/>; a word beyond
    /// <see cref="ScoringSettings.MaxLength"/> word pieces gets an empty tag (a missing key in ML.NET).
    /// </summary>
    public string[] Tag(string sentence)
    {
        var example = TaskSplit.FromSentences("input", new[] { new TokenExample(Words(sentence), null, 1) }).Encode(Tokenizer, Model.Labels, Settings.MaxLength);
        int[] ids;
        lock (this) ids = FineTuner.Predict(Model, example, Tokenizer.PadId)[0];
        return ids.Select(id => id < 0 ? "" : Model.Labels.Names[id]).ToArray();
    }

    /// <summary>
    /// The <see cref="ScoringSettings.TopK"/> best answers to <paramref name="question"/> in <paramref name="context"/>,
    /// best first, decoded as <c>electra predict</c> decodes (windows, n-best, SQuAD 2.0 threshold).
    /// </summary>
    public IReadOnlyList<AnswerPrediction> Answer(string context, string question)
    {
        var example = new SquadExample("1", question, context, Array.Empty<SquadAnswer>(), false);
        lock (this) return Reader.PredictTopK(new[] { example }, "input", Settings.TopK)[0];
    }

    /// <summary>The words of a sentence for tagging: split on whitespace, as ML.NET's NER trainer splits them.</summary>
    public static string[] Words(string sentence) => sentence.Split((char[]?)null, StringSplitOptions.RemoveEmptyEntries);

    EncodedExample[] Encode(string text, string? textB) =>
        TaskSplit.FromTexts("input", new[] { new SequenceExample(text, textB, null, 1) }).Encode(Tokenizer, Model.Labels, Settings.MaxLength);
}

/// <summary>What scoring needs besides the HF folder.</summary>
/// <param name="MaxLength">Word pieces per example, as in training (<see cref="FineTuneOptions.MaxLength"/>).</param>
/// <param name="KeyNames">The label column's key values in key order (classification), so scores line up with ML.NET's keys.</param>
/// <param name="TopK">Answers per question (question answering).</param>
sealed record ScoringSettings(int MaxLength, IReadOnlyList<string> KeyNames, int TopK = 1);
