using System.CommandLine;
using Electra.FineTuning;
using Electra.IO;
using Electra.Native;
using Electra.Onnx;
using Electra.Tokenization;

namespace Electra.Cli;

/// <summary>
/// `electra predict`: labels a TSV file (text[, text_b][, label]) or CoNLL file (word[, tag]) with a fine-tuned folder.
/// TSV output is the input columns plus <c>prediction</c> (a label, or a number for a regression model); CoNLL output is <c>word&lt;TAB&gt;predicted_tag</c>, with
/// <c>_</c> for words beyond the maximum length. Metrics are printed when the file has gold labels. With
/// <c>--runtime onnx</c> the folder is an `electra export-onnx` export run on ONNX Runtime: every task kind, the same
/// encoding and decoding from the logits, the same output file.
/// </summary>
static class PredictCommand
{
    static readonly Option<string> Model = CliOption.Text("--model", "a folder written by `electra finetune` (with --runtime onnx: its `electra export-onnx` export)", required: true, valueName: "DIR");
    static readonly Option<string> Input = CliOption.Text("--input", "TSV (text[, text_b][, label]) or CoNLL (word[, tag]) file to label, or a SQuAD .json file to answer", required: true, valueName: "FILE");
    static readonly Option<string> Output = CliOption.OutputFile("--output", "file to write: TSV input columns + prediction, CoNLL word<TAB>tag, or SQuAD's {question id: answer}");
    static readonly Option<int> Batch = CliOption.Int("--batch", new FineTuneOptions().EvalBatchSize, "examples per forward pass", min: 1);
    static readonly Option<string> Runtime = CliOption.Runtime();
    static readonly Option<int?> MaxLength = CliOption.OptionalInt("--max-length", "tokens per example, longer ones truncated (default: the fine-tuning default, at most the model's positions)", min: 3);

    public static Command Create() => CliOption.Command("predict", "label a TSV or CoNLL file with a fine-tuned model, or answer a SQuAD file; prints metrics when the file has gold labels", Run,
        Model, Input, Output, Batch, MaxLength, Runtime, QuestionAnsweringCommand.NullThreshold);

    static int Run(ParseResult r)
    {
        string modelDir = r.GetRequiredValue(Model);
        string input = r.GetRequiredValue(Input);
        string output = r.GetRequiredValue(Output);
        int batch = r.GetValue(Batch);
        int? maxLength = r.GetValue(MaxLength);
        OutputFolder.CheckFile(output, "--output", (input, "--input"), (modelDir, "--model"));
        if (input.EndsWith(".json", StringComparison.OrdinalIgnoreCase))
            return QuestionAnsweringCommand.Predict(r, modelDir, input, output, batch, maxLength, r.GetValue(Runtime) == "onnx");

        var split = TaskSplit.Read(input, requireLabels: false);
        // The default is capped at the model's positions; an explicit value beyond them is a usage error.
        int DefaultLength(int positions) => maxLength is not { } given ? Math.Min(new FineTuneOptions().MaxLength, positions)
            : given <= positions ? given : throw new UsageException($"--max-length {given} exceeds the model's max_position_embeddings {positions} ({modelDir})");
        LabelSet labels;
        EncodedExample[] encoded;
        int[][] predictions;
        double[]? values = null; // a regression model's outputs
        if (r.GetValue(Runtime) == "onnx")
        {
            using var model = ElectraOnnxModel.Load(modelDir, new OnnxModelOptions { IntraOpThreads = r.GetValue(CommandLine.Threads) });
            var kind = model.Head switch
            {
                OnnxHead.SequenceClassification => model.Labels.Count == 1 ? TaskKind.Regression : TaskKind.Sequence,
                OnnxHead.TokenClassification => TaskKind.Token,
                _ => throw new InvalidDataException($"{modelDir}: an export of {model.Architecture}, not of a fine-tuned classifier"),
            };
            CheckKind(split, kind == TaskKind.Regression ? TaskKind.Sequence : kind, input, modelDir, model.Architecture);
            labels = kind == TaskKind.Regression ? LabelSet.Regression : new LabelSet(model.Labels);
            encoded = split.Encode(model.Tokenizer, labels, DefaultLength(model.MaxPositions));
            var logits = PredictOnnx(model, encoded, batch);
            if (kind == TaskKind.Regression) values = logits.Select(l => (double)l[0]![0]).ToArray();
            predictions = values is null ? logits.Select(l => l.Select(ArgMax).ToArray()).ToArray() : [];
        }
        else
        {
            TorchRuntime.EnsureLoaded();
            using var model = ElectraClassifier.Load(modelDir);
            CheckKind(split, model.Kind == TaskKind.Regression ? TaskKind.Sequence : model.Kind, input, modelDir, model.Architecture);
            var tokenizer = ElectraClassifier.LoadTokenizer(modelDir, model.Config);
            labels = model.Labels;
            encoded = split.Encode(tokenizer, labels, DefaultLength(model.Config.MaxPositionEmbeddings));
            if (model.Kind == TaskKind.Regression) values = FineTuner.PredictValues(model, encoded, tokenizer.PadId, batch);
            predictions = values is null ? FineTuner.Predict(model, encoded, tokenizer.PadId, batch) : [];
        }

        AtomicFile.Write(output, stream =>
        {
            using var w = new StreamWriter(stream, leaveOpen: true) { NewLine = "\n" };
            if (split.Texts is { } texts)
            {
                bool pair = texts.Any(t => t.TextB is not null);
                w.WriteLine(string.Join('\t', new[] { "text", pair ? "text_b" : null, split.HasLabels ? "label" : null, "prediction" }.OfType<string>()));
                for (int i = 0; i < texts.Count; i++)
                    w.WriteLine(string.Join('\t', new[] { texts[i].Text, texts[i].TextB, texts[i].Label, values is null ? labels.Names[predictions[i][0]] : FormatValue(values[i]) }.OfType<string>()));
            }
            else
            {
                var sentences = split.Sentences!;
                for (int i = 0; i < sentences.Count; i++)
                {
                    for (int j = 0; j < sentences[i].Words.Count; j++)
                        w.WriteLine($"{sentences[i].Words[j]}\t{(predictions[i][j] < 0 ? "_" : labels.Names[predictions[i][j]])}");
                    w.WriteLine();
                }
            }
        });
        Console.WriteLine($"wrote {output}: {split.Count} {(split.Kind == TaskKind.Sequence ? "texts" : "sentences")}");
        if (split.HasLabels)
            Console.WriteLine($"metrics {(values is null ? FineTuner.Score(encoded, predictions, labels.Count, split.Kind) : FineTuner.Score(encoded, values))}");
        return 0;
    }

    static void CheckKind(TaskSplit split, TaskKind kind, string input, string modelDir, string architecture)
    {
        if (split.Kind != kind)
            throw new InvalidDataException($"{input}: a {split.Kind.ToString().ToLowerInvariant()} file, but {modelDir} is a {architecture}");
    }

    /// <summary>
    /// A regression prediction as written: 4 decimals, invariant culture. The two runtimes' float32 sums differ in the
    /// last bits (about 1e-6), so the full value would differ between them; 4 decimals write the same file unless a
    /// value lies within that noise of a rounding boundary.
    /// </summary>
    static string FormatValue(double value) => value.ToString("F4", System.Globalization.CultureInfo.InvariantCulture);

    /// <summary>Index of the highest logit (the first on a tie, as torch's argmax); −1 for a word outside the encoding.</summary>
    static int ArgMax(float[]? logits)
    {
        if (logits is null) return -1;
        int best = 0;
        for (int c = 1; c < logits.Length; c++)
            if (logits[c] > logits[best]) best = c;
        return best;
    }

    /// <summary>
    /// The ONNX graph's logits at each scored position of every example ([CLS] for texts, each word's first piece for
    /// sentences; null where the word is not in the encoding): the same encodings as the TorchSharp path, batched
    /// shortest first (<see cref="LengthBatching"/>) and padded (<see cref="BatchEncoding.Pad"/>).
    /// </summary>
    static float[]?[][] PredictOnnx(ElectraOnnxModel model, IReadOnlyList<EncodedExample> examples, int batchSize)
    {
        var result = new float[]?[examples.Count][];
        int classes = model.Labels.Count;
        foreach (var rows in LengthBatching.Batches(examples.Select(e => e.Length).ToArray(), batchSize))
        {
            var input = BatchEncoding.Pad(rows.Select(i => examples[i].Ids).ToList(), rows.Select(i => examples[i].TypeIds).ToList(), model.Tokenizer.PadId);
            var output = model.Run(input)[0]; // [B, C] or [B, T, C]
            bool perToken = output.Shape.Length == 3;
            for (int r = 0; r < rows.Length; r++)
                result[rows[r]] = perToken
                    ? examples[rows[r]].Positions.Select(p => p < 0 ? null : output.Values.AsSpan((r * input.SequenceLength + p) * classes, classes).ToArray()).ToArray()
                    : [output.Values.AsSpan(r * classes, classes).ToArray()];
        }
        return result;
    }
}
