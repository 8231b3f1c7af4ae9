using System.CommandLine;
using Electra.IO;
using Electra.Native;
using Electra.Retrieval;

namespace Electra.Cli;

/// <summary>
/// `electra embed`: one vector per text of a file (plain lines, or .jsonl with id and text) with the encoder of any
/// ELECTRA folder, written as .jsonl {"id", "vector"}; batched, with progress on stderr.
/// </summary>
static class EmbedCommand
{
    static readonly Option<string> Model = CliOption.Text("--model", "any ELECTRA folder: pre-trained, fine-tuned, or a bi-encoder", required: true, valueName: "DIR");
    static readonly Option<string> Input = CliOption.Text("--input", "texts: one per line (id = line number), or .jsonl with id and text", required: true, valueName: "FILE");
    static readonly Option<string> Output = CliOption.OutputFile("--output", ".jsonl to write, {\"id\", \"vector\"} per text");
    /// <summary>`--pooling mean|cls`, shared with finetune and search; no default value (a bi-encoder folder's own pooling, else mean).</summary>
    internal static readonly Option<string?> Pooling = new("--pooling")
    {
        Description = "mean (over non-padding tokens) or cls (position 0); default: the folder's pooling config, else mean",
        HelpName = "mean|cls",
        Validators = { r => { if (r.GetValueOrDefault<string?>() is { } v && v is not ("mean" or "cls")) r.AddError($"--pooling expects 'mean' or 'cls', got '{v}'"); } },
    };
    static readonly Option<bool> Normalize = CliOption.Flag("--normalize", "scale every vector to unit length (dot product = cosine); always on for a folder whose modules.json normalises (a bi-encoder)");
    static readonly Option<int> Batch = CliOption.Int("--batch", 64, "texts per forward pass", min: 1);
    static readonly Option<int> MaxLength = CliOption.Int("--max-length", 128, "word pieces per text, longer ones truncated (at most the model's positions)", min: 3);

    public static Command Create() => CliOption.Command("embed", "one vector per text (mean pooling by default) → .jsonl {id, vector}", Run,
        Model, Input, Output, Pooling, Normalize, Batch, MaxLength);

    static int Run(ParseResult r)
    {
        string model = r.GetRequiredValue(Model);
        string input = r.GetRequiredValue(Input);
        string output = r.GetRequiredValue(Output);
        bool normalize = r.GetValue(Normalize);
        int batch = r.GetValue(Batch);
        int maxLength = r.GetValue(MaxLength);
        OutputFolder.CheckFile(output, "--output", (input, "--input"), (model, "--model"));

        var texts = RetrievalFiles.ReadTexts(input);
        TorchRuntime.EnsureLoaded();
        using var encoder = SentenceEncoder.Load(model, PoolingOf(r));
        normalize |= encoder.Normalize; // a bi-encoder folder says it was trained on cosine
        Console.Error.WriteLine($"embedding {texts.Count} texts with {model} ({encoder.Pooling.ToString().ToLowerInvariant()} pooling{(normalize ? ", normalised" : "")}, {encoder.Config.HiddenSize} dimensions)");
        var vectors = encoder.Embed(texts.Select(t => t.Text!).ToList(), normalize, batch, Math.Min(maxLength, encoder.Config.MaxPositionEmbeddings), new CountProgress("embedded", texts.Count));
        RetrievalFiles.WriteVectors(output, texts.Select(t => t.Id).ToList(), vectors);
        Console.WriteLine($"wrote {output}: {texts.Count} vectors of {encoder.Config.HiddenSize}");
        return 0;
    }

    /// <summary>The --pooling value, or null when not given.</summary>
    public static Modeling.Pooling? PoolingOf(ParseResult r) => r.GetValue(Pooling) switch
    {
        "mean" => Modeling.Pooling.Mean,
        "cls" => Modeling.Pooling.Cls,
        _ => null,
    };

    /// <summary>"embedded 1,200/5,000 texts" on stderr: redrawn in place on a terminal, every 10% when redirected.</summary>
    public sealed class CountProgress(string verb, int total) : IProgress<int>
    {
        readonly bool live = !Console.IsErrorRedirected;
        int lastTenth = -1;

        public void Report(int done)
        {
            string line = $"{verb} {done:N0}/{total:N0} texts";
            if (live) Console.Error.Write("\r" + line + (done == total ? "\n" : ""));
            else if (done * 10 / total is var tenth && tenth != lastTenth)
            {
                lastTenth = tenth;
                Console.Error.WriteLine(line);
            }
        }
    }
}
