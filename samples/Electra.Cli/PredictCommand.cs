using System.CommandLine;
using Electra.FineTuning;
using Electra.Interop;
using Electra.Native;

namespace Electra.Cli;

/// <summary>
/// `electra predict`: labels a TSV file (text[, text_b][, label]) or CoNLL file (word[, tag]) with a fine-tuned folder.
/// TSV output is the input columns plus <c>prediction</c>; CoNLL output is <c>word&lt;TAB&gt;predicted_tag</c>, with
/// <c>_</c> for words beyond the maximum length. Metrics are printed when the file has gold labels.
/// </summary>
static class PredictCommand
{
    static readonly Option<string> Model = CliOption.Text("--model", "a folder written by `electra finetune`", required: true, valueName: "DIR");
    static readonly Option<string> Input = CliOption.Text("--input", "TSV (text[, text_b][, label]) or CoNLL (word[, tag]) file to label, or a SQuAD .json file to answer", required: true, valueName: "FILE");
    static readonly Option<string> Output = CliOption.Text("--output", "file to write: TSV input columns + prediction, CoNLL word<TAB>tag, or SQuAD's {question id: answer}", required: true, valueName: "FILE");
    static readonly Option<int> Batch = CliOption.Int("--batch", new FineTuneOptions().EvalBatchSize, "examples per forward pass", min: 1);
    static readonly Option<int?> MaxLength = CliOption.OptionalInt("--max-length", "tokens per example, longer ones truncated (default: the fine-tuning default, at most the model's positions)", min: 3);

    public static Command Create()
    {
        var command = new Command("predict", "label a TSV or CoNLL file with a fine-tuned model; prints metrics when the file has gold labels")
        {
            Model, Input, Output, Batch, MaxLength, QuestionAnsweringCommand.NullThreshold,
        };
        command.SetAction(Run);
        return command;
    }

    static int Run(ParseResult r)
    {
        string modelDir = r.GetRequiredValue(Model);
        string input = r.GetRequiredValue(Input);
        string output = r.GetRequiredValue(Output);
        int batch = r.GetValue(Batch);
        int? maxLength = r.GetValue(MaxLength);
        if (input.EndsWith(".json", StringComparison.OrdinalIgnoreCase)) return QuestionAnsweringCommand.Predict(r, modelDir, input, output, batch, maxLength);

        TorchRuntime.EnsureLoaded();
        var split = TaskSplit.Read(input, requireLabels: false);
        using var model = ElectraClassifier.Load(modelDir);
        if (split.Kind != model.Kind)
            throw new InvalidDataException($"{input}: a {split.Kind.ToString().ToLowerInvariant()} file, but {modelDir} is a {model.Architecture}");
        var tokenizer = ElectraClassifier.LoadTokenizer(modelDir, model.Config);
        var encoded = split.Encode(tokenizer, model.Labels, maxLength ?? Math.Min(new FineTuneOptions().MaxLength, model.Config.MaxPositionEmbeddings));
        var predictions = FineTuner.Predict(model, encoded, tokenizer.PadId, batch);

        AtomicFile.Write(output, stream =>
        {
            using var w = new StreamWriter(stream, leaveOpen: true) { NewLine = "\n" };
            if (split.Texts is { } texts)
            {
                bool pair = texts.Any(t => t.TextB is not null);
                w.WriteLine(string.Join('\t', new[] { "text", pair ? "text_b" : null, split.HasLabels ? "label" : null, "prediction" }.OfType<string>()));
                for (int i = 0; i < texts.Count; i++)
                    w.WriteLine(string.Join('\t', new[] { texts[i].Text, texts[i].TextB, texts[i].Label, model.Labels.Names[predictions[i][0]] }.OfType<string>()));
            }
            else
            {
                var sentences = split.Sentences!;
                for (int i = 0; i < sentences.Count; i++)
                {
                    for (int j = 0; j < sentences[i].Words.Count; j++)
                        w.WriteLine($"{sentences[i].Words[j]}\t{(predictions[i][j] < 0 ? "_" : model.Labels.Names[predictions[i][j]])}");
                    w.WriteLine();
                }
            }
        });
        Console.WriteLine($"wrote {output}: {split.Count} {(split.Kind == TaskKind.Sequence ? "texts" : "sentences")}");
        if (split.HasLabels) Console.WriteLine($"metrics {FineTuner.Score(encoded, predictions, model.Labels.Count)}");
        return 0;
    }
}
