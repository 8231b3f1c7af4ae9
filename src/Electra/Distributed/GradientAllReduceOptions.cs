namespace Electra.Distributed;

/// <summary>How <see cref="GradientAllReduce"/> groups and schedules the gradient all-reduce.</summary>
public sealed record GradientAllReduceOptions
{
    /// <summary>
    /// Upper bound on one bucket's size in bytes: parameters are packed in order until the next one would exceed it
    /// (a larger parameter gets a bucket of its own). Default 25 MiB, PyTorch DDP's <c>bucket_cap_mb</c>: big enough
    /// to amortise per-message latency, small enough to pipeline packing with communication.
    /// </summary>
    public long BucketBytes { get; init; } = 25L << 20;

    /// <summary>
    /// Run the all-reduce of each bucket on a background thread while the caller packs the next bucket and unpacks the
    /// previous one. Default true; ignored (everything runs on the caller) when MPI did not grant
    /// <c>MPI_THREAD_SERIALIZED</c>.
    /// </summary>
    public bool Overlap { get; init; } = true;
}
