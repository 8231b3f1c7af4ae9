using Electra.Pretraining;
using TorchSharp;
using static TorchSharp.torch;

namespace Electra.Tests;

public class MaskingTests
{
    static readonly SpecialTokens Special = SpecialTokens.Default;

    [Fact]
    public void Selects_round_p_n_maskable_tokens_and_never_special_ones()
    {
        using var scope = NewDisposeScope();
        var (ids, mask, _) = TinyModels.Batch(4, 40);
        ids[0, 5] = tensor(Special.Mask); // an existing [MASK] is never selected
        var masking = new Masking(new MaskingOptions(), Special, 100);
        var m = masking.Apply(ids, mask, new torch.Generator(3));

        int N = new MaskingOptions().MaxPredictions(40); // int(0.155·40) = 6
        Assert.Equal(new long[] { 4, N }, m.Positions.shape);
        var w = m.Weights.data<float>().ToArray();
        var pos = m.Positions.data<long>().ToArray();
        var idsArr = ids.data<long>().ToArray();
        var maskArr = mask.data<long>().ToArray();
        for (int b = 0; b < 4; b++)
        {
            int n = Enumerable.Range(0, 40).Count(t => maskArr[b * 40 + t] == 1 && idsArr[b * 40 + t] > 4);
            int expected = Math.Max(1, Math.Min(N, (int)Math.Round(0.15 * n, MidpointRounding.ToEven)));
            var real = Enumerable.Range(0, N).Where(j => w[b * N + j] > 0).Select(j => pos[b * N + j]).ToList();
            Assert.Equal(expected, real.Count);
            Assert.Equal(real.Count, real.Distinct().Count());
            Assert.All(real, t => Assert.True(maskArr[b * 40 + t] == 1 && idsArr[b * 40 + t] > 4, $"row {b} selected special/pad position {t}"));
        }
        // Unselected positions are untouched; selected ones are [MASK] or the original (ELECTRA: no random tokens).
        var changed = m.InputIds.ne(ids);
        Assert.True(m.InputIds.masked_select(changed).eq(Special.Mask).all().item<bool>());
        Assert.True(m.Targets.eq(ids.gather(1, m.Positions)).all().item<bool>());
    }

    [Fact]
    public void Over_many_draws_85_percent_become_mask_and_positions_are_uniform()
    {
        using var scope = NewDisposeScope();
        var (ids, mask, _) = TinyModels.Batch(64, 128);
        var masking = new Masking(new MaskingOptions(), Special, 100);
        var rng = new torch.Generator(7);
        double maskedSlots = 0, realSlots = 0;
        var hits = zeros(128);
        for (int draw = 0; draw < 50; draw++)
        {
            using var inner = NewDisposeScope();
            var m = masking.Apply(ids, mask, rng);
            var real = m.Weights.gt(0);
            realSlots += real.sum().item<long>();
            maskedSlots += m.InputIds.gather(1, m.Positions).eq(Special.Mask).logical_and(real).sum().item<long>();
            hits.index_add_(0, m.Positions.masked_select(real), ones(real.sum().item<long>()), 1);
        }
        Assert.InRange(maskedSlots / realSlots, 0.83, 0.87);
        // Interior positions of the full rows are chosen equally often (±20% of the mean).
        var interior = hits[TensorIndex.Slice(1, 63)];
        double mean = interior.mean().item<float>();
        Assert.True(interior.sub(mean).abs().max().item<float>() < 0.2 * mean, "selection is not uniform over positions");
    }

    [Fact]
    public void Bert_recipe_uses_random_tokens_too()
    {
        using var scope = NewDisposeScope();
        var (ids, mask, _) = TinyModels.Batch(64, 128);
        var m = new Masking(MaskingOptions.Bert, Special, 100).Apply(ids, mask, new torch.Generator(1));
        var real = m.Weights.gt(0);
        var seen = m.InputIds.gather(1, m.Positions);
        double total = real.sum().item<long>();
        double asMask = seen.eq(Special.Mask).logical_and(real).sum().item<long>() / total;
        double unchanged = seen.eq(m.Targets).logical_and(real).sum().item<long>() / total;
        Assert.InRange(asMask, 0.76, 0.84);
        Assert.InRange(unchanged, 0.08, 0.14); // 10% kept, plus random draws that hit the original
    }

    [Fact]
    public void Same_seed_same_masks()
    {
        using var scope = NewDisposeScope();
        var (ids, mask, _) = TinyModels.Batch(4, 32);
        var masking = new Masking(new MaskingOptions(), Special, 100);
        var a = masking.Apply(ids, mask, new torch.Generator(5));
        var b = masking.Apply(ids, mask, new torch.Generator(5));
        Assert.True(a.InputIds.eq(b.InputIds).all().item<bool>());
        Assert.True(a.Positions.eq(b.Positions).all().item<bool>());
    }
}
