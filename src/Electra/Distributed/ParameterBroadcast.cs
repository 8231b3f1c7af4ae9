using TorchSharp;
using static TorchSharp.torch;

namespace Electra.Distributed;

/// <summary>Makes every rank start from rank 0's weights, whatever seed each rank initialised with.</summary>
public static class ParameterBroadcast
{
    /// <summary>
    /// Overwrites every float32 parameter and buffer of <paramref name="module"/> with its value on
    /// <paramref name="root"/>. Other buffers (integer index tables such as position ids) are deterministic and left
    /// alone. Every rank must call it with the same architecture; a mismatch is reported before any weight moves.
    /// </summary>
    /// <exception cref="InvalidOperationException">The ranks' modules differ in tensor count or element count.</exception>
    public static void BroadcastParameters(this Mpi mpi, nn.Module module, int root = 0)
    {
        if (!mpi.IsDistributed) return;
        using var scope = NewDisposeScope();
        using var noGrad = no_grad();
        var tensors = module.named_parameters().Select(p => ((string Name, Tensor Value))(p.name, p.parameter))
            .Concat(module.named_buffers().Select(b => (b.name, b.buffer)))
            .Where(t => t.Item2.dtype == ScalarType.Float32)
            .ToList();
        EnsureSameShape(mpi, tensors.Count, tensors.Sum(t => t.Item2.numel()));
        foreach (var (name, value) in tensors)
        {
            // On a contiguous CPU tensor this is the tensor's own storage, so the broadcast lands in place.
            var host = value.detach().cpu().contiguous();
            mpi.Broadcast(host, root, $"broadcast of {name}");
            if (value.device_type != DeviceType.CPU || !value.is_contiguous()) value.copy_(host);
        }
    }

    /// <summary>Every rank learns every rank's (tensor count, element count) through one sum all-reduce and compares.</summary>
    static void EnsureSameShape(Mpi mpi, int tensorCount, long elementCount)
    {
        var table = new double[2 * mpi.Size];
        table[2 * mpi.Rank] = tensorCount;
        table[2 * mpi.Rank + 1] = elementCount;
        mpi.AllReduceSum(table, "parameter count check");
        for (int r = 0; r < mpi.Size; r++)
        {
            if (table[2 * r] != tensorCount || table[2 * r + 1] != elementCount)
                throw new InvalidOperationException(
                    $"Rank {r}'s model has {table[2 * r]} float32 tensors with {table[2 * r + 1]} elements but rank {mpi.Rank}'s has " +
                    $"{tensorCount} with {elementCount}: every rank must build the same model before broadcasting parameters.");
        }
    }
}
