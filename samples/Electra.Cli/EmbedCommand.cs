using Electra.Native;
using Electra.Retrieval;

namespace Electra.Cli;

/// <summary>
/// `electra embed`: one vector per text of a file (plain lines, or .jsonl with id and text) with the encoder of any
/// ELECTRA folder, written as .jsonl {"id", "vector"}; batched, with progress on stderr.
/// </summary>
static class EmbedCommand
{
    public const string Usage = "electra embed --model DIR --input FILE.txt|FILE.jsonl --output FILE.jsonl [--pooling mean|cls] [--normalize] [--batch B] [--max-length L]";

    public static int Run(Args a)
    {
        string model = a.Required("model");
        string input = a.Required("input");
        string output = a.Required("output");
        var pooling = ReadPooling(a);
        bool normalize = a.Flag("normalize");
        int batch = a.Int("batch", 64, min: 1);
        int maxLength = a.Int("max-length", 128, min: 3);
        a.EnsureAllUsed();

        var texts = RetrievalFiles.ReadTexts(input);
        TorchRuntime.EnsureLoaded();
        using var encoder = SentenceEncoder.Load(model, pooling);
        Console.Error.WriteLine($"embedding {texts.Count} texts with {model} ({encoder.Pooling.ToString().ToLowerInvariant()} pooling{(normalize ? ", normalised" : "")}, {encoder.Config.HiddenSize} dimensions)");
        var vectors = encoder.Embed(texts.Select(t => t.Text!).ToList(), normalize, batch, Math.Min(maxLength, encoder.Config.MaxPositionEmbeddings), new CountProgress("embedded", texts.Count));
        RetrievalFiles.WriteVectors(output, texts.Select(t => t.Id).ToList(), vectors);
        Console.WriteLine($"wrote {output}: {texts.Count} vectors of {encoder.Config.HiddenSize}");
        return 0;
    }

    /// <summary>`--pooling mean|cls`, or null when not given (the model folder's pooling config decides, else mean).</summary>
    public static Pooling? ReadPooling(Args a) => a.Optional("pooling") switch
    {
        null => null,
        "mean" => Pooling.Mean,
        "cls" => Pooling.Cls,
        var other => throw new UsageException($"--pooling expects 'mean' or 'cls', got '{other}'"),
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
