using System.CommandLine;
using System.Text.Json;
using System.Text.Json.Nodes;
using Electra.Interop;
using Electra.Native;
using TorchSharp;
using static TorchSharp.torch;

namespace Electra.Cli;

/// <summary>
/// `electra logits`: eval-mode logits of a discriminator and/or generator for batches given as JSON
/// (the shape of the PyTorch fixture's golden.json), so users can compare with Python.
/// </summary>
static class LogitsCommand
{
    static readonly Option<string> Discriminator = CliOption.Text("--discriminator", "discriminator folder (HF layout: config.json + weights)", valueName: "DIR");
    static readonly Option<string> Generator = CliOption.Text("--generator", "generator folder (HF layout)", valueName: "DIR");
    static readonly Option<string> Input = CliOption.Text("--input",
        "JSON {\"batches\": [{\"input_ids\": [[...]], \"attention_mask\": [[...]], \"token_type_ids\": [[...]]}]} (mask and types optional)",
        required: true, valueName: "FILE.json");
    static readonly Option<string> Output = CliOption.Text("--output", "JSON file to write: batches[i].discriminator_logits [B][L] and/or generator_logits [B][L][V]",
        required: true, valueName: "FILE.json");

    public static Command Create()
    {
        var command = new Command("logits", "eval-mode logits of a discriminator and/or generator for batches of token ids, to compare with Python")
        {
            Discriminator, Generator, Input, Output,
        };
        command.SetAction(Run);
        return command;
    }

    static int Run(ParseResult r)
    {
        string? discDir = r.GetValue(Discriminator);
        string? genDir = r.GetValue(Generator);
        string input = r.GetRequiredValue(Input);
        string output = r.GetRequiredValue(Output);
        if (discDir is null && genDir is null) throw new UsageException("give --discriminator DIR, --generator DIR or both");

        TorchRuntime.EnsureLoaded();
        var batches = ReadBatches(input);
        using var disc = discDir is null ? null : Pretrained.LoadDiscriminator(discDir);
        using var gen = genDir is null ? null : Pretrained.LoadGenerator(genDir);
        disc?.eval();
        gen?.eval();
        var maxPositions = new[] { disc?.Config.MaxPositionEmbeddings, gen?.Config.MaxPositionEmbeddings }.OfType<int>().Min();
        var vocab = (disc?.Config ?? gen!.Config).VocabSize;

        var result = new JsonArray();
        using var noGrad = no_grad();
        for (int i = 0; i < batches.Count; i++)
        {
            using var scope = NewDisposeScope();
            var (ids, mask, types) = batches[i];
            string where = $"{input}: batches[{i}]";
            if (ids.shape[1] > maxPositions) throw new InvalidDataException($"{where}: length {ids.shape[1]} exceeds max_position_embeddings {maxPositions}");
            if (ids.min().item<long>() < 0 || ids.max().item<long>() >= vocab) throw new InvalidDataException($"{where}: input_ids outside the vocabulary [0, {vocab})");
            var entry = new JsonObject();
            if (disc is not null) entry["discriminator_logits"] = ToJson(disc.call(ids, mask, types));
            if (gen is not null) entry["generator_logits"] = ToJson(gen.call(ids, mask, types));
            result.Add(entry);
        }
        AtomicFile.WriteAllText(output, new JsonObject { ["batches"] = result }.ToJsonString());
        Console.WriteLine($"wrote {output}: {batches.Count} batch{(batches.Count == 1 ? "" : "es")}");
        return 0;
    }

    /// <summary>Reads batches[i].{input_ids, attention_mask, token_type_ids}; mask and types default to ones and zeros.</summary>
    static List<(Tensor Ids, Tensor Mask, Tensor Types)> ReadBatches(string path)
    {
        JsonNode? root;
        try
        {
            root = JsonNode.Parse(File.ReadAllText(path));
        }
        catch (JsonException e)
        {
            throw new InvalidDataException($"{path}: not valid JSON ({e.Message})");
        }
        if (root?["batches"] is not JsonArray batches || batches.Count == 0)
            throw new InvalidDataException($"{path}: expected {{\"batches\": [{{\"input_ids\": [[...]], ...}}]}}");
        var result = new List<(Tensor, Tensor, Tensor)>();
        for (int i = 0; i < batches.Count; i++)
        {
            string where = $"{path}: batches[{i}]";
            var ids = Matrix(batches[i]?["input_ids"], where + ".input_ids") ?? throw new InvalidDataException($"{where}: input_ids is missing");
            var mask = Matrix(batches[i]?["attention_mask"], where + ".attention_mask") ?? ones_like(ids);
            var types = Matrix(batches[i]?["token_type_ids"], where + ".token_type_ids") ?? zeros_like(ids);
            if (!mask.shape.SequenceEqual(ids.shape) || !types.shape.SequenceEqual(ids.shape))
                throw new InvalidDataException($"{where}: attention_mask and token_type_ids must have the shape of input_ids [{string.Join(", ", ids.shape)}]");
            result.Add((ids, mask, types));
        }
        return result;
    }

    static Tensor? Matrix(JsonNode? node, string where)
    {
        if (node is null) return null;
        try
        {
            var rows = node.AsArray().Select(r => r!.AsArray().Select(x => x!.GetValue<long>()).ToArray()).ToList();
            if (rows.Count == 0 || rows[0].Length == 0 || rows.Any(r => r.Length != rows[0].Length))
                throw new InvalidDataException($"{where}: expected a non-empty rectangular [B][L] array of integers");
            return tensor(rows.SelectMany(r => r).ToArray(), new long[] { rows.Count, rows[0].Length });
        }
        catch (Exception e) when (e is InvalidOperationException or FormatException or NullReferenceException)
        {
            throw new InvalidDataException($"{where}: expected a [B][L] array of integers");
        }
    }

    /// <summary>[B, L] or [B, L, V] float tensor → nested JSON arrays.</summary>
    static JsonArray ToJson(Tensor t)
    {
        var values = t.contiguous().data<float>().ToArray();
        long[] shape = t.shape;
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
