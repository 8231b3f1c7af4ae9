using Electra.Modeling;
using Electra.Pretraining;
using static TorchSharp.torch;

namespace Electra.Bench;

/// <summary>
/// The matrix products of one pre-training step alone, at the step's own shapes and in its order: the time a step
/// would take if masking, embeddings, LayerNorm, GELU, softmax, dropout, the losses, sampling and the optimizer
/// took none. Its MFU is the most the step can reach on this machine with this BLAS: the products at these
/// shapes (K or N of 256 for Small) run below the large square products of the matmul-ceiling row. The list is
/// checked against <see cref="PretrainingObjective.TrainingFlops"/>, so it is the count MFU is measured with.
/// </summary>
static class MatmulBound
{
    /// <summary>One product: its FLOPs and the call that computes it from cached random operands.</summary>
    sealed record Product(double Flops, Func<Operands, Tensor> Run);

    /// <summary>Times the products of a <paramref name="preset"/> step; <paramref name="pretrain"/> is that step's row.</summary>
    public static Row Measure(ElectraPreset preset, int batch, int seq, Device device, int warmup, int steps, double? ceilingGflops, Row pretrain)
    {
        Memory.ResetPeak();
        long tokens = (long)batch * seq;
        long predicted = batch * new MaskingOptions { MaskProbability = preset.MaskProbability }.MaxPredictions(seq);
        var gen = preset.Generator;
        var disc = preset.Discriminator;
        var products = new List<Product>();
        Encoder(products, gen, batch, seq);
        Linear(products, predicted, gen.HiddenSize, gen.EmbeddingSize); // generator head dense
        Linear(products, predicted, gen.EmbeddingSize, gen.VocabSize); // decoder over the vocabulary (the step runs it in row chunks)
        Encoder(products, disc, batch, seq);
        Linear(products, tokens, disc.HiddenSize, disc.HiddenSize); // discriminator head dense
        Linear(products, tokens, disc.HiddenSize, 1); // discriminator head prediction

        double flops = products.Sum(p => p.Flops);
        double expected = (double)pretrain.Extra["flops_per_step"];
        if (Math.Abs(flops - expected) > 1e-9 * expected)
            throw new InvalidOperationException($"the step's products count {flops:E6} FLOPs, TrainingFlops {expected:E6}: one of the two is wrong");

        using var operands = new Operands(device);
        var timing = Timing.Measure(() =>
        {
            using var scope = NewDisposeScope();
            Tensor? last = null;
            foreach (var p in products) last = p.Run(operands);
            ModelBench.Synchronize(last!);
        }, warmup, steps);
        double gflops = flops / timing.Median / 1e9;
        var extra = new Dictionary<string, object>
        {
            ["flops_per_step"] = flops, ["preset"] = preset.Name, ["batch"] = batch, ["seq"] = seq, ["products"] = products.Count,
            ["share_of_pretrain_step"] = timing.Median * 1e3 / pretrain.MsPerStep!.Value,
        };
        if (ceilingGflops is { } c) extra["mfu"] = gflops / c;
        return new Row($"matmul-bound/{preset.Name}/b{batch}/s{seq}", tokens / timing.Median, timing.Median * 1e3, gflops, Memory.PeakRssMb(), timing, extra);
    }

    /// <summary>An encoder's products: embeddings_project (when E ≠ H), then per layer Q, K, V, attention, output, FFN.</summary>
    static void Encoder(List<Product> products, ElectraConfig c, int batch, int seq)
    {
        long tokens = (long)batch * seq;
        if (c.EmbeddingSize != c.HiddenSize) Linear(products, tokens, c.EmbeddingSize, c.HiddenSize);
        for (int layer = 0; layer < c.NumHiddenLayers; layer++)
        {
            for (int projection = 0; projection < 3; projection++) Linear(products, tokens, c.HiddenSize, c.HiddenSize);
            Attention(products, (long)batch * c.NumAttentionHeads, seq, c.HiddenSize / c.NumAttentionHeads);
            Linear(products, tokens, c.HiddenSize, c.HiddenSize);
            Linear(products, tokens, c.HiddenSize, c.IntermediateSize);
            Linear(products, tokens, c.IntermediateSize, c.HiddenSize);
        }
    }

    /// <summary>
    /// A linear layer on <paramref name="rows"/> rows as autograd runs it: forward <c>linear(X, W, b)</c> (addmm), then
    /// the input's gradient <c>G·W</c> and the weight's <c>Gᵀ·X</c> (X [R, in], W [out, in], G [R, out]).
    /// </summary>
    static void Linear(List<Product> products, long rows, long input, long output)
    {
        double flops = 2.0 * rows * input * output;
        products.Add(new(flops, o => nn.functional.linear(o.Get(rows, input), o.Get(output, input), o.Get(output))));
        products.Add(new(flops, o => o.Get(rows, output).mm(o.Get(output, input))));
        products.Add(new(flops, o => o.Get(rows, output).t().mm(o.Get(rows, input))));
    }

    /// <summary>
    /// Attention's batched products over <paramref name="heads"/> = B·heads matrices (q, k, v, G [Bh, L, d]; P, G_S [Bh, L, L]):
    /// forward q·kᵀ and P·v; backward G·vᵀ, Pᵀ·G, G_S·k and G_Sᵀ·q.
    /// </summary>
    static void Attention(List<Product> products, long heads, long seq, long headSize)
    {
        double flops = 2.0 * heads * seq * seq * headSize;
        products.Add(new(flops, o => o.Get(heads, seq, headSize).bmm(o.Get(heads, seq, headSize).transpose(1, 2))));
        products.Add(new(flops, o => o.Get(heads, seq, seq).bmm(o.Get(heads, seq, headSize))));
        products.Add(new(flops, o => o.Get(heads, seq, headSize).bmm(o.Get(heads, seq, headSize).transpose(1, 2))));
        products.Add(new(flops, o => o.Get(heads, seq, seq).transpose(1, 2).bmm(o.Get(heads, seq, headSize))));
        products.Add(new(flops, o => o.Get(heads, seq, seq).bmm(o.Get(heads, seq, headSize))));
        products.Add(new(flops, o => o.Get(heads, seq, seq).transpose(1, 2).bmm(o.Get(heads, seq, headSize))));
    }

    /// <summary>One random fp32 tensor per shape, made on first use and reused by every product of that shape.</summary>
    sealed class Operands(Device device) : IDisposable
    {
        readonly Dictionary<string, Tensor> byShape = new();

        public Tensor Get(params long[] shape)
        {
            string key = string.Join('x', shape);
            if (!byShape.TryGetValue(key, out var t))
            {
                t = randn(shape, device: device).DetachFromDisposeScope(); // made inside a repetition's scope, kept for the whole row
                byShape[key] = t;
            }
            return t;
        }

        public void Dispose()
        {
            foreach (var t in byShape.Values) t.Dispose();
        }
    }
}
