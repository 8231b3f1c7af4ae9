namespace Electra.Distributed;

/// <summary>How <see cref="Mpi.Initialize"/> finds Open MPI and how long a collective may wait for the other ranks.</summary>
public sealed record MpiOptions
{
    /// <summary>
    /// The Open MPI library to load: a file name the dynamic loader searches for, or a path.
    /// Default <c>libmpi.so.40</c>, the soname of Open MPI 4.x and 5.x (Debian package libopenmpi3).
    /// </summary>
    public string Library { get; init; } = "libmpi.so.40";

    /// <summary>
    /// The watchdog: a collective that has not completed after this long aborts the whole job (MPI_Abort) with a
    /// message naming the rank, the collective and, on rank 0, the ranks that never reached it. Non-root ranks
    /// wait a quarter longer so that rank 0, which knows who is missing, reports first.
    /// Default 10 minutes, PyTorch's default process-group timeout for NCCL: long enough for a slow checkpoint
    /// write on one rank, short enough not to burn a cluster allocation on a dead job.
    /// </summary>
    public TimeSpan CollectiveTimeout { get; init; } = TimeSpan.FromMinutes(10);
}
