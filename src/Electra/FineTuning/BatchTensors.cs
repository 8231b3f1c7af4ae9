using Electra.Tokenization;
using static TorchSharp.torch;

namespace Electra.FineTuning;

/// <summary>A padded batch (<see cref="BatchEncoding.Pad"/>) as the int64 tensors a TorchSharp head takes.</summary>
internal static class BatchTensors
{
    /// <summary>ids, attention mask and segment ids, [B, T] each.</summary>
    public static (Tensor Ids, Tensor Mask, Tensor Types) ToTensors(this BatchEncoding batch)
    {
        long[] shape = [batch.BatchSize, batch.SequenceLength];
        return (tensor(batch.InputIds, shape), tensor(batch.AttentionMask, shape), tensor(batch.TokenTypeIds, shape));
    }
}
