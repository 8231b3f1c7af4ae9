using Electra.Modeling;
using TorchSharp;
using static TorchSharp.torch;

namespace Electra.Tests;

public class AttentionTests
{
    [Theory]
    [InlineData(32, 2)] // head size 16: the scale is a power of two
    [InlineData(24, 2)] // head size 12: it is not
    public void Training_attention_is_HF_order_with_the_same_dropout_mask(int hidden, int heads)
    {
        using var scope = NewDisposeScope();
        var config = TinyModels.Discriminator with { HiddenSize = hidden, NumAttentionHeads = heads };
        torch.manual_seed(2);
        var attention = new ElectraSelfAttention(config);
        attention.train();
        long B = 3, T = 7, hd = hidden / heads;
        var x = randn(B, T, hidden);
        var mask = zeros(B, 1, 1, T);
        mask[2, 0, 0, TensorIndex.Slice(4)] = float.MinValue; // the last row padded after 4 tokens
        var weights = attention.named_parameters().ToDictionary(p => p.name, p => p.parameter);
        Tensor Heads(string name) => nn.functional.linear(x, weights[$"{name}.weight"], weights[$"{name}.bias"]).view(B, T, heads, hd).transpose(1, 2);

        torch.manual_seed(9);
        var actual = attention.call(x, mask);
        torch.manual_seed(9); // the dropout mask's seed is the next draw, as in the module
        var scores = Heads("query").matmul(Heads("key").transpose(-1, -2)) / Math.Sqrt(hd) + mask; // HF: matmul, then divide
        var probs = scores.softmax(-1) * FastDropout.KeepScale(new[] { B, heads, T, T }, 1 - config.AttentionProbsDropoutProb);
        var expected = probs.matmul(Heads("value")).transpose(1, 2).reshape(B, T, hidden);

        Assert.True(actual.allclose(expected, rtol: 1e-5, atol: 1e-6), $"max |a − b| = {(actual - expected).abs().max().item<float>()}");
    }
}
