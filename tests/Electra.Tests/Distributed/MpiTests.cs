using Electra.Distributed;
using static TorchSharp.torch;

namespace Electra.Tests.Distributed;

public class MpiTests
{
    static Func<string, string?> Env(params (string Name, string Value)[] vars) =>
        name => vars.FirstOrDefault(v => v.Name == name).Value;

    [Fact]
    public void Launcher_is_detected_from_open_mpi_pmix_or_pmi_variables_only()
    {
        Assert.True(Mpi.LaunchedByMpi(Env(("OMPI_COMM_WORLD_SIZE", "2"))));
        Assert.True(Mpi.LaunchedByMpi(Env(("PMIX_RANK", "0"))));
        Assert.True(Mpi.LaunchedByMpi(Env(("PMI_RANK", "3"))));
        // A Slurm allocation alone (sbatch, or srun of a non-MPI step) is not an MPI job.
        Assert.False(Mpi.LaunchedByMpi(Env(("SLURM_PROCID", "0"), ("SLURM_LOCALID", "0"))));
        Assert.False(Mpi.LaunchedByMpi(Env()));
    }

    [Fact]
    public void Local_rank_prefers_open_mpi_then_slurm_then_zero()
    {
        Assert.Equal(3, Mpi.LocalRankFrom(Env(("OMPI_COMM_WORLD_LOCAL_RANK", "3"), ("SLURM_LOCALID", "1"))));
        Assert.Equal(1, Mpi.LocalRankFrom(Env(("SLURM_LOCALID", "1"))));
        Assert.Equal(0, Mpi.LocalRankFrom(Env()));
        var e = Assert.Throws<InvalidOperationException>(() => Mpi.LocalRankFrom(Env(("SLURM_LOCALID", "-1"))));
        Assert.Contains("SLURM_LOCALID='-1'", e.Message);
    }

    [Fact]
    public void Without_a_launcher_the_world_has_one_rank_and_collectives_are_the_identity()
    {
        Assert.False(Mpi.LaunchedByMpi(Environment.GetEnvironmentVariable), "the test process must not run under mpirun");
        using var mpi = Mpi.Initialize();
        Assert.Equal((0, 1, true, false), (mpi.Rank, mpi.Size, mpi.IsRoot, mpi.IsDistributed));
        float[] values = [1.5f, -2f, 3.25f];
        mpi.AllReduceSum(values);
        mpi.Broadcast(values);
        mpi.Barrier();
        Assert.Equal([1.5f, -2f, 3.25f], values);
        double[] metrics = [0.75, 12];
        mpi.AverageMetrics(metrics);
        Assert.Equal([0.75, 12], metrics);
        // No libmpi means no once-per-process MPI_Init: a second world of one is fine.
        using var again = Mpi.Initialize();
        Assert.Equal(1, again.Size);
    }

    [Fact]
    public void Tensor_collectives_reject_buffers_mpi_cannot_read_in_place()
    {
        using var mpi = Mpi.Initialize();
        using var doubles = zeros(4, ScalarType.Float64);
        Assert.Contains("contiguous float32 CPU", Assert.Throws<ArgumentException>(() => mpi.AllReduceSum(doubles)).Message);
        using var strided = zeros(4, 4).t();
        Assert.Contains("not contiguous", Assert.Throws<ArgumentException>(() => mpi.Broadcast(strided)).Message);
    }

    [Fact]
    public void A_missing_library_names_the_debian_packages_to_install()
    {
        var e = Assert.Throws<DllNotFoundException>(() => MpiNative.Load("libmpi-not-installed.so.40"));
        Assert.Contains("libmpi-not-installed.so.40", e.Message);
        Assert.Contains("apt-get install -y openmpi-bin libopenmpi-dev", e.Message);
    }

    [Fact]
    public void A_library_that_is_not_open_mpi_is_rejected_by_name()
    {
        var e = Assert.Throws<DllNotFoundException>(() => MpiNative.Load("libc.so.6"));
        Assert.Contains("does not export ompi_mpi_comm_world", e.Message);
    }

    [Fact]
    public void A_non_positive_timeout_is_rejected()
    {
        var e = Assert.Throws<ArgumentException>(() => Mpi.Initialize(new MpiOptions { CollectiveTimeout = TimeSpan.Zero }));
        Assert.Contains("CollectiveTimeout must be positive", e.Message);
    }
}
