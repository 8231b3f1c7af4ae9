using Electra.Native;
using TorchSharp;
using static TorchSharp.torch;

namespace Electra.Tests;

public class TorchRuntimeTests
{
    [Fact]
    public void TorchSharp_loads_and_trains_in_the_test_process()
    {
        TorchRuntime.EnsureLoaded();
        torch.manual_seed(0);
        var model = nn.Linear(4, 1);
        var optimizer = optim.AdamW(model.parameters(), lr: 0.1);
        var x = randn(64, 4);
        var y = x.matmul(tensor(new float[] { 1, -2, 3, 0.5f }).unsqueeze(1)) + 0.25f;
        double first = 0, last = 0;
        for (int step = 0; step < 200; step++)
        {
            using var scope = NewDisposeScope();
            optimizer.zero_grad();
            var loss = nn.functional.mse_loss(model.call(x), y);
            loss.backward();
            optimizer.step();
            if (step == 0) first = loss.item<float>();
            last = loss.item<float>();
        }
        Assert.True(last < first * 0.01, $"loss {first} → {last}");
    }

    [Fact]
    public void Describe_names_versions()
    {
        Assert.Contains("TorchSharp 0.107", TorchRuntime.Describe());
    }
}
