using Electra.FineTuning;
using Electra.Modeling;
using Electra.Pretraining;
using TorchSharp;
using Electra.Tokenization;
using static TorchSharp.torch;

namespace Electra.Bench;

/// <summary>
/// Inference on the padded shapes of a task's real texts instead of full-length batches: the texts are tokenized,
/// cut into batches in input order or sorted by length (<see cref="LengthBatching"/>, what predict, embed and
/// Electra.Onnx do), each padded to its longest, and the discriminator runs once over every batch per repetition.
/// The ids are random and the masks full, as in <see cref="ModelBench.Inference"/>: a padded position costs what a
/// real one does, so only the shapes matter.
/// </summary>
static class RealTextBench
{
    /// <summary>Batch order: <c>input</c> (main's order before length-aware batching) or <c>sorted</c>.</summary>
    public static readonly string[] Orders = ["input", "sorted"];

    /// <summary>The texts' lengths in word pieces (text and text_b of a TSV task file), truncated to <paramref name="maxLength"/>.</summary>
    public static int[] Lengths(string tsv, string vocabDir, int maxLength)
    {
        var texts = TaskSplit.Read(tsv, requireLabels: false).Texts ?? throw new ArgumentException($"{tsv}: not a TSV text task");
        var tokenizer = WordPieceTokenizer.Load(vocabDir);
        var options = new EncodeOptions { MaxLength = maxLength };
        return texts.Select(t => tokenizer.Encode(t.Text, t.TextB, options).Length).ToArray();
    }

    /// <summary>The [B, L] shape of each batch of <paramref name="lengths"/> in <paramref name="order"/>.</summary>
    public static (int Batch, int Seq)[] Shapes(int[] lengths, int batch, string order)
    {
        var batches = order == "sorted" ? LengthBatching.Batches(lengths, batch) : Enumerable.Range(0, lengths.Length).Chunk(batch);
        return batches.Select(b => (b.Length, b.Max(i => lengths[i]))).ToArray();
    }

    /// <summary>The shapes as the ONNX child and the peer driver read them: <c>32x45,32x47,…</c>.</summary>
    public static string Format((int Batch, int Seq)[] shapes) => string.Join(',', shapes.Select(s => $"{s.Batch}x{s.Seq}"));

    /// <summary>Parses <see cref="Format"/>'s text.</summary>
    public static (int Batch, int Seq)[] Parse(string text) =>
        text.Split(',').Select(s => s.Split('x')).Select(p => (int.Parse(p[0], System.Globalization.CultureInfo.InvariantCulture), int.Parse(p[1], System.Globalization.CultureInfo.InvariantCulture))).ToArray();

    /// <summary>The row's name and figures: padded tokens/s (the peer's measure), texts/s and real tokens/s.</summary>
    public static Row ToRow(string runtime, ElectraPreset preset, int batch, string order, int[] lengths, (int Batch, int Seq)[] shapes, Timing timing,
        double peakRssMb, double? ceilingGflops, Dictionary<string, object> extra)
    {
        long padded = shapes.Sum(s => (long)s.Batch * s.Seq);
        double flops = shapes.Sum(s => FlopCounter.Encoder(preset.Discriminator, s.Batch, s.Seq) + FlopCounter.DiscriminatorHead(preset.Discriminator, (long)s.Batch * s.Seq));
        double gflops = flops / timing.Median / 1e9;
        extra["preset"] = preset.Name;
        extra["batch"] = batch;
        extra["order"] = order;
        extra["texts"] = lengths.Length;
        extra["texts_per_s"] = lengths.Length / timing.Median;
        extra["real_tokens_per_s"] = lengths.Sum() / timing.Median;
        extra["padded_tokens"] = padded;
        extra["real_tokens"] = lengths.Sum();
        extra["shapes"] = Format(shapes);
        if (ceilingGflops is { } c) extra["mfu"] = gflops / c;
        return new Row($"{runtime}/{preset.Name}/b{batch}/texts-{order}", padded / timing.Median, timing.Median * 1e3, gflops, peakRssMb, timing, extra);
    }

    /// <summary>Times one pass of the discriminator (TorchSharp, eval, no_grad) over every batch of <paramref name="shapes"/>.</summary>
    public static Row Inference(ElectraPreset preset, int batch, string order, int[] lengths, Device device, int warmup, int steps, double? ceilingGflops)
    {
        var shapes = Shapes(lengths, batch, order);
        if (shapes.Max(s => s.Seq) > preset.Discriminator.MaxPositionEmbeddings)
            throw new ArgumentException($"texts of {shapes.Max(s => s.Seq)} word pieces exceed the {preset.Name} preset's max_position_embeddings");
        Memory.ResetPeak();
        manual_seed(0);
        using var discriminator = new ElectraForPreTraining(preset.Discriminator);
        discriminator.to(device).eval();
        var inputs = shapes.Select((s, i) => ModelBench.RandomBatch(preset.Discriminator.VocabSize, s.Batch, s.Seq, device, seed: i)).ToArray();
        var timing = Timing.Measure(() =>
        {
            foreach (var (ids, mask, types) in inputs)
            {
                using var scope = NewDisposeScope();
                using var noGrad = no_grad();
                ModelBench.Synchronize(discriminator.call(ids, mask, types));
            }
        }, warmup, steps);
        foreach (var (ids, mask, types) in inputs)
        {
            ids.Dispose();
            mask.Dispose();
            types.Dispose();
        }
        return ToRow("inference", preset, batch, order, lengths, shapes, timing, Memory.PeakRssMb(), ceilingGflops, new() { ["runtime"] = "torchsharp" });
    }
}
