using System.CommandLine;
using Electra.FineTuning;
using Electra.Interop;
using Electra.Native;
using Electra.Onnx;

namespace Electra.Cli;

/// <summary>
/// `electra predict`: labels a TSV file (text[, text_b][, label]) or CoNLL file (word[, tag]) with a fine-tuned folder.
/// TSV output is the input columns plus <c>prediction</c> (a label, or a number for a regression model); CoNLL output is <c>word&lt;TAB&gt;predicted_tag</c>, with
/// <c>_</c> for words beyond the maximum length. Metrics are printed when the file has gold labels. With
/// <c>--runtime onnx</c> the folder is an `electra export-onnx` export run on ONNX Runtime: same encoding, same output.
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
        Electra.Interop.OutputFolder.CheckFile(output, "--output", (input, "--input"), (modelDir, "--model"));
        if (input.EndsWith(".json", StringComparison.OrdinalIgnoreCase))
            return r.GetValue(Runtime) == "onnx"
                ? throw new UsageException("--runtime onnx does not answer SQuAD files; use the default runtime (torch)")
                : QuestionAnsweringCommand.Predict(r, modelDir, input, output, batch, maxLength);

        var split = TaskSplit.Read(input, requireLabels: false);
        int DefaultLength(int positions) => maxLength ?? Math.Min(new FineTuneOptions().MaxLength, positions);
        LabelSet labels;
        EncodedExample[] encoded;
        int[][] predictions;
        double[]? values = null; // a regression model's outputs
        if (r.GetValue(Runtime) == "onnx")
        {
            using var model = ElectraOnnxModel.Load(modelDir, new OnnxModelOptions { IntraOpThreads = r.GetValue(CommandLine.Threads) });
            var kind = model.Head switch
            {
                OnnxHead.SequenceClassification => TaskKind.Sequence,
                OnnxHead.TokenClassification => TaskKind.Token,
                _ => throw new InvalidDataException($"{modelDir}: an export of {model.Architecture}, not of a fine-tuned classifier"),
            };
            CheckKind(split, kind, input, modelDir, model.Architecture);
            if (model.Labels.Count == 1) throw new InvalidDataException($"{modelDir}: a one-output (regression) export; --runtime onnx predicts classes only, use --runtime torch");
            labels = new LabelSet(model.Labels);
            encoded = split.Encode(model.Tokenizer, labels, DefaultLength(model.MaxPositions));
            predictions = PredictOnnx(model, encoded, kind, batch);
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
                    w.WriteLine(string.Join('\t', new[] { texts[i].Text, texts[i].TextB, texts[i].Label, values is null ? labels.Names[predictions[i][0]] : values[i].ToString("R", System.Globalization.CultureInfo.InvariantCulture) }.OfType<string>()));
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
    /// <see cref="FineTuner.Predict"/> on ONNX Runtime: the same encodings, batched by length and padded, arg-max of the
    /// logits at [CLS] (texts) or at each word's first piece (sentences; −1 where the word is not in the encoding).
    /// </summary>
    static int[][] PredictOnnx(ElectraOnnxModel model, IReadOnlyList<EncodedExample> examples, TaskKind kind, int batchSize)
    {
        var result = new int[examples.Count][];
        var order = Enumerable.Range(0, examples.Count).OrderBy(i => examples[i].Length).ToArray();
        int classes = model.Labels.Count;
        foreach (var rows in order.Chunk(batchSize))
        {
            int length = rows.Max(i => examples[i].Length);
            var ids = new long[rows.Length * length];
            var mask = new long[ids.Length];
            var types = new long[ids.Length];
            Array.Fill(ids, model.Tokenizer.PadId);
            for (int r = 0; r < rows.Length; r++)
            {
                var e = examples[rows[r]];
                for (int t = 0; t < e.Length; t++) (ids[r * length + t], mask[r * length + t], types[r * length + t]) = (e.Ids[t], 1, e.TypeIds[t]);
            }
            var logits = model.Run(ids, mask, types, rows.Length, length)[0].Values; // [B, C] or [B, T, C]
            int ArgMax(int offset) => Enumerable.Range(0, classes).MaxBy(c => logits[offset + c]);
            for (int r = 0; r < rows.Length; r++)
                result[rows[r]] = kind == TaskKind.Sequence
                    ? [ArgMax(r * classes)]
                    : examples[rows[r]].Positions.Select(p => p < 0 ? -1 : ArgMax((r * length + p) * classes)).ToArray();
        }
        return result;
    }
}
