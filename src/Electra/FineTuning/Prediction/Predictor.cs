using Electra.FineTuning.QuestionAnswering;
using Electra.IO;
using Electra.Tokenization;

namespace Electra.FineTuning.Prediction;

/// <summary>
/// What <c>electra predict</c> does, for any fine-tuned folder on either runtime: reads the input file, encodes it as
/// fine-tuning did, runs the model in batches sorted by length (<see cref="LengthBatching"/>) and padded
/// (<see cref="BatchEncoding.Pad"/>), decodes the logits with the head's rule, writes the output file atomically and
/// scores it when the file has gold labels. The runtime is the caller's choice: <see cref="TorchFineTunedEncoder"/>
/// (TorchSharp) or Electra.Onnx's <c>ElectraOnnxModel</c> (ONNX Runtime, on an <c>electra export-onnx</c> export);
/// both give the same file. The heads:
/// <list type="bullet">
/// <item>sequence classification on a TSV file: the input columns plus <c>prediction</c>, the label at [CLS];</item>
/// <item>regression on a TSV file: the same with a number (4 decimals);</item>
/// <item>token classification on a CoNLL file: <c>word&lt;TAB&gt;tag</c>, <c>_</c> for a word beyond the max length;</item>
/// <item>question answering on a SQuAD <c>.json</c> file: <c>{question id: answer}</c>, <c>""</c> where a SQuAD 2.0 model abstains.</item>
/// </list>
/// </summary>
public static class Predictor
{
    /// <summary>Reads <paramref name="input"/> (<see cref="PredictionInput.Read"/>) and predicts it (see <see cref="Run(IFineTunedEncoder, PredictionInput, string, PredictionOptions)"/>).</summary>
    public static PredictionReport Run(IFineTunedEncoder model, string input, string output, PredictionOptions? options = null) =>
        Run(model, PredictionInput.Read(input), output, options);

    /// <summary>
    /// Predicts <paramref name="input"/> with <paramref name="model"/> and writes <paramref name="output"/> (replacing
    /// it atomically). Everything is checked before the model runs: the options against the model, the output against
    /// the input and the model folder, and the file's kind against the head.
    /// </summary>
    /// <exception cref="ArgumentException">An option the model cannot take (a max length beyond its positions, a batch size below 1).</exception>
    /// <exception cref="InvalidDataException">The file does not fit the head (a CoNLL file for a sequence classifier, a SQuAD file for a classifier, …), or a gold label is unknown to the model.</exception>
    /// <exception cref="OutputFolderException">The output is the input or a file of the model folder.</exception>
    public static PredictionReport Run(IFineTunedEncoder model, PredictionInput input, string output, PredictionOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(model);
        ArgumentNullException.ThrowIfNull(input);
        ArgumentNullException.ThrowIfNull(output);
        options ??= new PredictionOptions();
        options.Validate(model);
        OutputFolder.CheckFile(output, "output", (input.Path, "input"), (model.Folder, "model"));
        if (input.Questions is { } questions) return QuestionAnsweringPrediction.Run(model, questions, output, options);
        var split = input.Split!;
        return model.Architecture switch
        {
            nameof(ElectraForSequenceClassification) when model.IsRegression => RegressionPrediction.Run(model, Checked(split, TaskKind.Sequence, model), output, options),
            nameof(ElectraForSequenceClassification) => SequenceClassificationPrediction.Run(model, Checked(split, TaskKind.Sequence, model), output, options),
            nameof(ElectraForTokenClassification) => TokenClassificationPrediction.Run(model, Checked(split, TaskKind.Token, model), output, options),
            _ => throw new InvalidDataException($"{model.Folder} holds {model.Architecture}, not a fine-tuned classifier " +
                                                $"({nameof(ElectraForSequenceClassification)} or {nameof(ElectraForTokenClassification)}) for {split.Path}"),
        };
    }

    /// <summary><paramref name="split"/>, if it is the kind of file the head reads.</summary>
    static TaskSplit Checked(TaskSplit split, TaskKind kind, IFineTunedEncoder model) => split.Kind == kind ? split
        : throw new InvalidDataException($"{split.Path}: a {split.Kind.ToString().ToLowerInvariant()} file, but {model.Folder} is a {model.Architecture}");

    /// <summary>The examples encoded as fine-tuning encodes them, at the chosen max length (default: fine-tuning's, capped at the positions).</summary>
    internal static EncodedExample[] Encode(IFineTunedEncoder model, TaskSplit split, LabelSet labels, PredictionOptions options) =>
        split.Encode(model.Tokenizer, labels, options.MaxLength ?? Math.Min(new FineTuneOptions().MaxLength, model.MaxPositions));

    /// <summary>
    /// Runs <paramref name="examples"/> through the model <paramref name="batchSize"/> at a time, shortest first, and
    /// maps each through <paramref name="read"/> (its row in the batch, the example, the batch's first output, the
    /// padded length); the results come back in input order.
    /// </summary>
    internal static T[] Rows<T>(IFineTunedEncoder model, IReadOnlyList<EncodedExample> examples, int batchSize, Func<int, EncodedExample, float[], int, T> read)
    {
        var result = new T[examples.Count];
        foreach (var rows in LengthBatching.Batches(examples.Select(e => e.Length).ToArray(), batchSize))
        {
            var batch = BatchEncoding.Pad(rows.Select(i => examples[i].Ids).ToList(), rows.Select(i => examples[i].TypeIds).ToList(), model.Tokenizer.PadId);
            var logits = model.Logits(batch)[0];
            for (int r = 0; r < rows.Length; r++) result[rows[r]] = read(r, examples[rows[r]], logits, batch.SequenceLength);
        }
        return result;
    }

    /// <summary>The index of the highest of <paramref name="count"/> logits from <paramref name="offset"/> (the first on a tie, as torch's argmax).</summary>
    internal static int ArgMax(float[] logits, int offset, int count)
    {
        int best = 0;
        for (int c = 1; c < count; c++)
            if (logits[offset + c] > logits[offset + best]) best = c;
        return best;
    }

    /// <summary>A TSV file: the input's columns (text[, text_b][, label]) and <c>prediction</c>, one row per text.</summary>
    internal static void WriteTexts(TaskSplit split, string output, Func<int, string> prediction) => AtomicFile.Write(output, stream =>
    {
        using var w = new StreamWriter(stream, leaveOpen: true) { NewLine = "\n" };
        var texts = split.Texts!;
        bool pair = texts.Any(t => t.TextB is not null);
        w.WriteLine(string.Join('\t', new[] { "text", pair ? "text_b" : null, split.HasLabels ? "label" : null, "prediction" }.OfType<string>()));
        for (int i = 0; i < texts.Count; i++)
            w.WriteLine(string.Join('\t', new[] { texts[i].Text, texts[i].TextB, texts[i].Label, prediction(i) }.OfType<string>()));
    });
}
