using Electra.FineTuning.QuestionAnswering;
using Electra.IO;
using Electra.Tokenization;

namespace Electra.FineTuning.Prediction;

/// <summary>
/// The classification kind's prediction, for the heads <see cref="ClassificationTask"/> fine-tunes: encodes a task file
/// (<see cref="PredictionInput"/>: TSV or CoNLL) as fine-tuning did, runs the model in batches sorted by length
/// (<see cref="LengthBatching"/>) and padded (<see cref="BatchEncoding.Pad"/>), decodes the logits with the head's
/// rule and writes the output file atomically:
/// <list type="bullet">
/// <item>sequence classification on a TSV file: the input columns plus <c>prediction</c>, the label at [CLS];</item>
/// <item>regression on a TSV file: the same with a number (4 decimals);</item>
/// <item>token classification on a CoNLL file: <c>word&lt;TAB&gt;tag</c>, <c>_</c> for a word beyond the max length.</item>
/// </list>
/// Like the classification task folder, it is the kind asked last and takes any folder the other kinds do not: one
/// holding another head is refused when it loads, naming its architecture.
/// </summary>
internal sealed class ClassificationPrediction : TaskPrediction<PredictionInput>
{
    /// <summary>Any folder: classification is the last kind asked (a folder of another head is refused by its loader).</summary>
    public override bool Serves(string modelDir) => true;

    /// <summary>A task file; a SQuAD file is read too, to be refused naming the head it needs.</summary>
    public override PredictionInput Read(string input) => PredictionInput.Read(input);

    /// <summary>The heads of the kind: HF class name and problem type, the file kind each reads, and its decoder.</summary>
    static readonly (string Architecture, bool IsRegression, TaskKind File, Func<IFineTunedEncoder, TaskSplit, string, PredictionOptions, PredictionReport> Run)[] Heads =
    [
        (nameof(ElectraForSequenceClassification), false, TaskKind.Sequence, SequenceClassificationPrediction.Run),
        (nameof(ElectraForSequenceClassification), true, TaskKind.Sequence, RegressionPrediction.Run),
        (nameof(ElectraForTokenClassification), false, TaskKind.Token, TokenClassificationPrediction.Run),
    ];

    public override PredictionReport Run(IFineTunedEncoder model, PredictionInput input, string output, PredictionOptions options)
    {
        var split = input.Split ?? throw new InvalidDataException($"{model.Folder} holds {model.Architecture}, not {ElectraForQuestionAnswering.Architecture} (needed for {input.Path})");
        var head = Heads.FirstOrDefault(h => h.Architecture == model.Architecture && h.IsRegression == model.IsRegression);
        if (head.Run is null)
            throw new InvalidDataException($"{model.Folder} holds {model.Architecture}, not a fine-tuned classifier " +
                                           $"({nameof(ElectraForSequenceClassification)} or {nameof(ElectraForTokenClassification)}) for {split.Path}");
        return head.Run(model, Checked(split, head.File, model), output, options);
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
