using Electra.Pretraining;
using TorchSharp;
using static TorchSharp.torch;

namespace Electra.Tests.Distributed;

/// <summary>
/// "N ranks × b rows = 1 process × N·b rows" for the ELECTRA objective itself, simulated in one process: each half
/// of a batch is run as rank 0 or 1 of a <see cref="GlobalBatch"/>, and the halves must reproduce the whole.
/// </summary>
public class GlobalBatchTests
{
    const int B = 8, T = 24, Half = B / 2;

    /// <summary>Rows of very different lengths, so the two halves hold different numbers of tokens and masked positions.</summary>
    static (Tensor Ids, Tensor Mask, Tensor Types) UnevenBatch()
    {
        var (ids, mask, types) = TinyModels.Batch(B, T, seed: 11);
        for (int row = 0; row < Half; row++)
        {
            int length = 6 + 2 * row; // rank 0's rows are short, rank 1's full
            ids[row, length - 1] = tensor(SpecialTokens.Default.Sep);
            ids[row, TensorIndex.Slice(length)] = tensor(SpecialTokens.Default.Pad);
            mask[row, TensorIndex.Slice(length)] = tensor(0L);
        }
        return (ids, mask, types);
    }

    static bool Same(Tensor a, Tensor b) => a.shape.SequenceEqual(b.shape) && a.eq(b).all().item<bool>();

    static Masking Masking() => new(new MaskingOptions(), SpecialTokens.Default, 100);

    static long Count(Tensor ids, Tensor mask) =>
        Masking().CountPredictions(ids.data<long>().ToArray(), mask.data<long>().ToArray(), (int)ids.shape[1]);

    /// <summary>Rank <paramref name="rank"/> of <paramref name="ranks"/>: its rows' offset and the whole batch's counts.</summary>
    static GlobalBatch Share(int rank, int ranks, Tensor ids, Tensor mask) =>
        new(RowOffset: rank * (B / ranks), Rows: B, Ranks: ranks, MaskedPositions: Count(ids, mask), Tokens: mask.sum().item<long>());

    [Fact]
    public void Each_half_is_masked_and_sampled_as_its_rows_of_the_whole_batch()
    {
        using var scope = NewDisposeScope();
        var (ids, mask, _) = UnevenBatch();
        var whole = Masking().Apply(ids, mask, new Generator(7), Share(0, 1, ids, mask));
        var halves = Enumerable.Range(0, 2)
            .Select(r => Masking().Apply(ids.narrow(0, r * Half, Half), mask.narrow(0, r * Half, Half), new Generator(7), Share(r, 2, ids, mask)))
            .ToList();
        Assert.True(Same(cat(halves.Select(h => h.InputIds).ToList(), 0), whole.InputIds));
        Assert.True(Same(cat(halves.Select(h => h.Positions).ToList(), 0), whole.Positions));
        Assert.True(Same(cat(halves.Select(h => h.Weights).ToList(), 0), whole.Weights));
        // Without the global batch, rank 1 would draw rank 0's numbers: the control must differ.
        var alone = Masking().Apply(ids.narrow(0, Half, Half), mask.narrow(0, Half, Half), new Generator(7));
        Assert.False(Same(alone.Positions, halves[1].Positions));

        var logits = randn(new long[] { B, 5, 100 }, generator: new Generator(3)); // [B, N, V]
        var sampled = ReplacedTokenDetection.Sample(logits, 1.0, new Generator(9), Share(0, 1, ids, mask));
        var second = ReplacedTokenDetection.Sample(logits.narrow(0, Half, Half), 1.0, new Generator(9), Share(1, 2, ids, mask));
        Assert.True(Same(second, sampled.narrow(0, Half, Half)));
    }

    [Fact]
    public void The_mean_of_two_halves_gradients_is_the_whole_batch_gradient()
    {
        using var scope = NewDisposeScope();
        var (ids, mask, types) = UnevenBatch();
        Tensor Gradient(ReplacedTokenDetection model) => cat(model.parameters().Select(p => p.grad!.reshape(-1)).ToList(), 0); // [all parameters]
        ReplacedTokenDetection Model()
        {
            torch.manual_seed(5);
            var config = TinyModels.Discriminator with { HiddenDropoutProb = 0, AttentionProbsDropoutProb = 0 };
            return new ReplacedTokenDetection(config, config.Generator(0.5), SpecialTokens.Default);
        }

        using var whole = Model();
        whole.Forward(ids, mask, types, new Generator(21), global: Share(0, 1, ids, mask)).Loss.backward();
        var expected = Gradient(whole);

        Tensor Halves(bool globalCounts)
        {
            using var model = Model();
            for (int r = 0; r < 2; r++)
            {
                var share = Share(r, 2, ids, mask);
                if (!globalCounts) share = share with { MaskedPositions = Count(ids.narrow(0, r * Half, Half), mask.narrow(0, r * Half, Half)) * 2.0,
                                                        Tokens = mask.narrow(0, r * Half, Half).sum().item<long>() * 2.0 };
                model.Forward(ids.narrow(0, r * Half, Half), mask.narrow(0, r * Half, Half), types.narrow(0, r * Half, Half), new Generator(21), global: share)
                    .Loss.backward(); // gradients accumulate: their sum over the two "ranks"
            }
            return (Gradient(model) / 2).MoveToOuterDisposeScope(); // the all-reduce's mean
        }

        // Relative to the largest gradient entry: float32 rounding of sums taken in another order is ~1e-7.
        double scale = expected.abs().max().item<float>();
        double exact = (Halves(globalCounts: true) - expected).abs().max().item<float>() / scale;
        double perRankMeans = (Halves(globalCounts: false) - expected).abs().max().item<float>() / scale;
        Assert.True(exact < 1e-6, $"max |mean of halves − whole| / max |whole| = {exact}");
        // The control: normalising each half by its own counts (per-rank means) is measurably different here.
        Assert.True(perRankMeans > 1e-3, $"per-rank means differ by only {perRankMeans} (exact: {exact})");
    }

    [Theory]
    [InlineData(0.15)]
    [InlineData(0.25)]
    [InlineData(0.5)]
    public void Counting_on_the_host_agrees_with_the_slots_masking_selects(double probability)
    {
        using var scope = NewDisposeScope();
        const int Length = 128;
        var masking = new Masking(new MaskingOptions { MaskProbability = probability }, SpecialTokens.Default, 100);
        // One row per possible count of maskable tokens, 0 … Length, padded after it (ties of round-half-to-even included).
        int rows = Length + 1;
        var ids = full(rows, Length, 50L);
        var mask = zeros(rows, Length, dtype: ScalarType.Int64);
        for (int n = 0; n < rows; n++) mask[n, TensorIndex.Slice(0, n)] = tensor(1L);
        ids[TensorIndex.Colon, 0] = tensor(SpecialTokens.Default.Cls); // a [CLS] in every row is never maskable
        var weights = masking.Apply(ids, mask, new Generator(1)).Weights.sum(1).to(ScalarType.Int64).data<long>().ToArray();
        var idArray = ids.data<long>().ToArray();
        var maskArray = mask.data<long>().ToArray();
        for (int n = 0; n < rows; n++)
        {
            long host = masking.CountPredictions(idArray.AsSpan(n * Length, Length), maskArray.AsSpan(n * Length, Length), Length);
            Assert.True(host == weights[n], $"row with {n} tokens: host {host}, device {weights[n]}");
        }
        Assert.Equal(weights.Sum(), masking.CountPredictions(idArray, maskArray, Length));
        Assert.Throws<ArgumentException>(() => masking.CountPredictions(idArray.AsSpan(0, 100), maskArray.AsSpan(0, 100), Length));
    }
}
