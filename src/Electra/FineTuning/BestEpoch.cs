using TorchSharp;
using static TorchSharp.torch;

namespace Electra.FineTuning;

/// <summary>
/// The epochs of a fine-tuning run, with a copy of the model's weights at the best dev score so far (the first on a
/// tie), restored into the model when training ends. Shared by the classifier and bi-encoder loops.
/// </summary>
sealed class BestEpoch(nn.Module model) : IDisposable
{
    Dictionary<string, Tensor>? best;

    /// <summary>Every epoch in order.</summary>
    public List<EpochResult> Epochs { get; } = new();

    /// <summary>The 1-based epoch with the highest dev score.</summary>
    public int Epoch { get; private set; }

    /// <summary>That epoch's result.</summary>
    public EpochResult Result => Epochs[Epoch - 1];

    /// <summary>Records an epoch and copies the weights when it is the best so far.</summary>
    public void Add(EpochResult epoch)
    {
        Epochs.Add(epoch);
        if (best is not null && !(epoch.Dev.Score > Result.Dev.Score)) return;
        Release();
        best = model.state_dict().ToDictionary(kv => kv.Key, kv => kv.Value.detach().clone());
        Epoch = epoch.Epoch;
    }

    /// <summary>Puts the best epoch's weights back into the model (nothing to do when it was the last).</summary>
    public void Restore()
    {
        if (best is null || Epoch == Epochs.Count) return;
        using (no_grad())
            foreach (var (name, t) in model.state_dict()) t.copy_(best[name]);
    }

    // sync: reads the summed loss for a progress report or the epoch's result
    public static double MeanLoss(Tensor lossSum, long steps) => lossSum.item<float>() / Math.Max(1, steps);

    /// <summary>Frees the copy.</summary>
    public void Dispose() => Release();

    void Release()
    {
        if (best is null) return;
        foreach (var t in best.Values) t.Dispose();
        best = null;
    }
}
