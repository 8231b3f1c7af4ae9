using Electra.FineTuning;
using Electra.Interop;
using Electra.Native;

namespace Electra.Cli;

/// <summary>
/// `electra predict`: labels a TSV file (text[, text_b][, label]) or CoNLL file (word[, tag]) with a fine-tuned folder.
/// TSV output is the input columns plus <c>prediction</c> (a label, or a number for a regression model); CoNLL output is <c>word&lt;TAB&gt;predicted_tag</c>, with
/// <c>_</c> for words beyond the maximum length. Metrics are printed when the file has gold labels.
/// </summary>
static class PredictCommand
{
    public const string Usage = "electra predict --model DIR --input FILE.tsv|FILE.conll --output FILE [--batch B] [--max-length L]";

    public static int Run(Args a)
    {
        string modelDir = a.Required("model");
        string input = a.Required("input");
        string output = a.Required("output");
        int batch = a.Int("batch", new FineTuneOptions().EvalBatchSize, min: 1);
        int? maxLength = a.Optional("max-length") is null ? null : a.Int("max-length", 0, min: 3);
        a.EnsureAllUsed();

        TorchRuntime.EnsureLoaded();
        var split = TaskSplit.Read(input, requireLabels: false);
        using var model = ElectraClassifier.Load(modelDir);
        if (split.Kind != (model.Kind == TaskKind.Regression ? TaskKind.Sequence : model.Kind))
            throw new InvalidDataException($"{input}: a {split.Kind.ToString().ToLowerInvariant()} file, but {modelDir} is a {model.Architecture}");
        var tokenizer = ElectraClassifier.LoadTokenizer(modelDir, model.Config);
        var encoded = split.Encode(tokenizer, model.Labels, maxLength ?? Math.Min(new FineTuneOptions().MaxLength, model.Config.MaxPositionEmbeddings));
        bool regression = model.Kind == TaskKind.Regression;
        var values = regression ? FineTuner.PredictValues(model, encoded, tokenizer.PadId, batch) : null;
        var predictions = regression ? null : FineTuner.Predict(model, encoded, tokenizer.PadId, batch);
        string Text(int i) => values is not null ? values[i].ToString("R", System.Globalization.CultureInfo.InvariantCulture) : model.Labels.Names[predictions![i][0]];

        AtomicFile.Write(output, stream =>
        {
            using var w = new StreamWriter(stream, leaveOpen: true) { NewLine = "\n" };
            if (split.Texts is { } texts)
            {
                bool pair = texts.Any(t => t.TextB is not null);
                w.WriteLine(string.Join('\t', new[] { "text", pair ? "text_b" : null, split.HasLabels ? "label" : null, "prediction" }.OfType<string>()));
                for (int i = 0; i < texts.Count; i++)
                    w.WriteLine(string.Join('\t', new[] { texts[i].Text, texts[i].TextB, texts[i].Label, Text(i) }.OfType<string>()));
            }
            else
            {
                var sentences = split.Sentences!;
                for (int i = 0; i < sentences.Count; i++)
                {
                    for (int j = 0; j < sentences[i].Words.Count; j++)
                        w.WriteLine($"{sentences[i].Words[j]}\t{(predictions![i][j] < 0 ? "_" : model.Labels.Names[predictions[i][j]])}");
                    w.WriteLine();
                }
            }
        });
        Console.WriteLine($"wrote {output}: {split.Count} {(split.Kind == TaskKind.Sequence ? "texts" : "sentences")}");
        if (split.HasLabels)
            Console.WriteLine($"metrics {(values is not null ? FineTuner.Score(encoded, values) : FineTuner.Score(encoded, predictions!, model.Labels.Count, model.Kind))}");
        return 0;
    }
}
