using System.CommandLine;
using System.Text.Json;
using System.Text.Json.Nodes;
using Electra.IO;
using Electra.Interop;
using Electra.Modeling;
using Electra.Native;
using Electra.Onnx;
using static TorchSharp.torch;

namespace Electra.Cli;

/// <summary>
/// `electra logits`: eval-mode logits of a discriminator and/or generator for batches given as JSON
/// (the shape of the PyTorch fixture's golden.json), so users can compare with Python. With <c>--runtime onnx</c> the
/// folders are `electra export-onnx` exports run on ONNX Runtime, and the output JSON is the same.
/// </summary>
static class LogitsCommand
{
    static readonly Option<string> Discriminator = CliOption.Text("--discriminator", "discriminator folder (HF layout: config.json + weights; with --runtime onnx an export)", valueName: "DIR");
    static readonly Option<string> Generator = CliOption.Text("--generator", "generator folder (HF layout; with --runtime onnx an export)", valueName: "DIR");
    static readonly Option<string> Runtime = CliOption.Runtime();
    static readonly Option<string> Input = CliOption.Text("--input",
        "JSON {\"batches\": [{\"input_ids\": [[...]], \"attention_mask\": [[...]], \"token_type_ids\": [[...]]}]} (mask and types optional)",
        required: true, valueName: "FILE.json");
    static readonly Option<string> Output = CliOption.OutputFile("--output", "JSON file to write: batches[i].discriminator_logits [B][L] and/or generator_logits [B][L][V]",
        "FILE.json");

    public static Command Create() => CliOption.Command("logits", "eval-mode logits of a discriminator and/or generator for batches of token ids, to compare with Python", Run,
        Discriminator, Generator, Input, Output, Runtime);

    /// <summary>One batch of the input file: row-major [B, L] ids, mask and token types.</summary>
    sealed record Batch(long[] Ids, long[] Mask, long[] Types, int B, int L);

    /// <summary>A loaded model on either runtime: its limits and its logits for a batch (row-major, with shape).</summary>
    sealed record Runner(IDisposable Model, int MaxPositions, int Vocab, int TypeVocab, Func<Batch, (float[] Values, long[] Shape)> Logits);

    static void CheckRange(long[] values, int limit, string where, string what)
    {
        int bad = Array.FindIndex(values, v => v < 0 || v >= limit);
        if (bad >= 0) throw new InvalidDataException($"{where} holds {values[bad]}, outside {what} [0, {limit})");
    }

    static int Run(ParseResult r)
    {
        string? discDir = r.GetValue(Discriminator);
        string? genDir = r.GetValue(Generator);
        string input = r.GetRequiredValue(Input);
        string output = r.GetRequiredValue(Output);
        bool onnx = r.GetValue(Runtime) == "onnx";
        if (discDir is null && genDir is null) throw new UsageException("give --discriminator DIR, --generator DIR or both");
        OutputFolder.CheckFile(output, "--output", (input, "--input"), (discDir, "--discriminator"), (genDir, "--generator"));

        var batches = ReadBatches(input);
        if (!onnx) TorchRuntime.EnsureLoaded();
        var options = new OnnxModelOptions { IntraOpThreads = r.GetValue(CommandLine.Threads) };
        Runner? Open(string? dir, bool discriminator) => dir is null ? null : onnx ? OnnxRunner(dir, discriminator, options) : TorchRunner(dir, discriminator);
        var disc = Open(discDir, discriminator: true);
        using var discModel = disc?.Model;
        var gen = Open(genDir, discriminator: false);
        using var genModel = gen?.Model;

        var result = new JsonArray();
        for (int i = 0; i < batches.Count; i++)
        {
            var b = batches[i];
            string where = $"{input}: batches[{i}]";
            var entry = new JsonObject();
            foreach (var (name, runner) in new[] { ("discriminator_logits", disc), ("generator_logits", gen) })
            {
                if (runner is null) continue;
                if (b.L > runner.MaxPositions) throw new InvalidDataException($"{where}: length {b.L} exceeds max_position_embeddings {runner.MaxPositions}");
                // Checked here, not by libtorch: an out-of-range index aborts the process inside its parallel kernels.
                CheckRange(b.Ids, runner.Vocab, $"{where}.input_ids", "the vocabulary (vocab_size)");
                CheckRange(b.Types, runner.TypeVocab, $"{where}.token_type_ids", "the segment types (type_vocab_size)");
                var (values, shape) = runner.Logits(b);
                entry[name] = ToJson(values, shape);
            }
            result.Add(entry);
        }
        AtomicFile.WriteAllText(output, new JsonObject { ["batches"] = result }.ToJsonString());
        Console.WriteLine($"wrote {output}: {batches.Count} batch{(batches.Count == 1 ? "" : "es")}");
        return 0;
    }

    /// <summary>A discriminator or generator folder on TorchSharp, in eval mode.</summary>
    static Runner TorchRunner(string dir, bool discriminator)
    {
        nn.Module<Tensor, Tensor, Tensor, Tensor> model;
        ElectraConfig config;
        if (discriminator)
        {
            var d = Pretrained.LoadDiscriminator(dir);
            (model, config) = (d, d.Config);
        }
        else
        {
            var g = Pretrained.LoadGenerator(dir);
            (model, config) = (g, g.Config);
        }
        model.eval();
        return new Runner(model, config.MaxPositionEmbeddings, config.VocabSize, config.TypeVocabSize, b =>
        {
            using var scope = NewDisposeScope();
            using var noGrad = no_grad();
            long[] shape = [b.B, b.L];
            var logits = model.call(tensor(b.Ids, shape), tensor(b.Mask, shape), tensor(b.Types, shape));
            return (logits.contiguous().data<float>().ToArray(), logits.shape);
        });
    }

    /// <summary>An exported discriminator or generator folder on ONNX Runtime.</summary>
    static Runner OnnxRunner(string dir, bool discriminator, OnnxModelOptions options)
    {
        var model = ElectraOnnxModel.Load(dir, options);
        var head = discriminator ? OnnxHead.ReplacedTokenDetection : OnnxHead.MaskedLanguageModel;
        if (model.Head != head)
        {
            model.Dispose();
            throw new InvalidDataException($"{dir}: an export of {model.Architecture}, not {(discriminator ? "ElectraForPreTraining" : "ElectraForMaskedLM")}");
        }
        return new Runner(model, model.MaxPositions, model.VocabSize, model.TypeVocabSize, b =>
        {
            var logits = model.Run(b.Ids, b.Mask, b.Types, b.B, b.L)[0];
            return (logits.Values, logits.Shape.Select(d => (long)d).ToArray());
        });
    }

    /// <summary>Reads batches[i].{input_ids, attention_mask, token_type_ids}; mask and types default to ones and zeros.</summary>
    static List<Batch> ReadBatches(string path)
    {
        JsonNode? root;
        try
        {
            root = JsonNode.Parse(Utf8LineReader.ReadAllText(path));
        }
        catch (JsonException e)
        {
            throw new InvalidDataException($"{path}: not valid JSON ({Utf8LineReader.Quote(e.Message, 300)})");
        }
        if (root?["batches"] is not JsonArray batches || batches.Count == 0)
            throw new InvalidDataException($"{path}: expected {{\"batches\": [{{\"input_ids\": [[...]], ...}}]}}");
        var result = new List<Batch>();
        for (int i = 0; i < batches.Count; i++)
        {
            string where = $"{path}: batches[{i}]";
            var ids = Matrix(batches[i]?["input_ids"], where + ".input_ids") ?? throw new InvalidDataException($"{where}: input_ids is missing");
            var mask = Matrix(batches[i]?["attention_mask"], where + ".attention_mask") ?? ids with { Values = Enumerable.Repeat(1L, ids.Values.Length).ToArray() };
            var types = Matrix(batches[i]?["token_type_ids"], where + ".token_type_ids") ?? ids with { Values = new long[ids.Values.Length] };
            if ((mask.Rows, mask.Columns) != (ids.Rows, ids.Columns) || (types.Rows, types.Columns) != (ids.Rows, ids.Columns))
                throw new InvalidDataException($"{where}: attention_mask and token_type_ids must have the shape of input_ids [{ids.Rows}, {ids.Columns}]");
            result.Add(new Batch(ids.Values, mask.Values, types.Values, ids.Rows, ids.Columns));
        }
        return result;
    }

    /// <summary>A [B][L] integer array, row-major.</summary>
    sealed record IntMatrix(long[] Values, int Rows, int Columns);

    static IntMatrix? Matrix(JsonNode? node, string where)
    {
        if (node is null) return null;
        try
        {
            var rows = node.AsArray().Select(r => r!.AsArray().Select(x => x!.GetValue<long>()).ToArray()).ToList();
            if (rows.Count == 0 || rows[0].Length == 0 || rows.Any(r => r.Length != rows[0].Length))
                throw new InvalidDataException($"{where}: expected a non-empty rectangular [B][L] array of integers");
            return new IntMatrix(rows.SelectMany(r => r).ToArray(), rows.Count, rows[0].Length);
        }
        catch (Exception e) when (e is InvalidOperationException or FormatException or NullReferenceException)
        {
            throw new InvalidDataException($"{where}: expected a [B][L] array of integers");
        }
    }

    /// <summary>Row-major [B, L] or [B, L, V] floats → nested JSON arrays.</summary>
    static JsonArray ToJson(float[] values, long[] shape)
    {
        JsonArray Build(int dim, long offset)
        {
            long stride = shape.Skip(dim + 1).Aggregate(1L, (x, y) => x * y);
            var arr = new JsonArray();
            for (long i = 0; i < shape[dim]; i++)
                arr.Add(dim == shape.Length - 1 ? JsonValue.Create(values[offset + i]) : Build(dim + 1, offset + i * stride));
            return arr;
        }
        return Build(0, 0);
    }
}
