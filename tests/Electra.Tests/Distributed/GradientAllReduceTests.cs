using Electra.Distributed;
using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace Electra.Tests.Distributed;

public class GradientAllReduceTests
{
    static Parameter Param(params long[] shape) => new(randn(shape));

    [Fact]
    public void Buckets_pack_parameters_in_order_and_a_large_one_gets_its_own()
    {
        Parameter[] ps = [Param(10), Param(2, 5), Param(100), Param(5), Param(5)];
        var buckets = GradientAllReduce.Partition(ps, bucketBytes: 20 * sizeof(float));
        Assert.Equal([[ps[0], ps[1]], [ps[2]], [ps[3], ps[4]]], buckets.Select(b => b.ToArray()).ToArray());
    }

    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public void Gradients_become_the_mean_over_ranks_in_every_bucket_every_step(bool overlap)
    {
        manual_seed(3);
        Parameter[] ps = [Param(3, 4), Param(7), Param(40), Param(2)];
        var labels = new List<string>();
        // A fake second rank whose gradient is 1 everywhere: the mean is (g + 1) / 2.
        using var reduce = new GradientAllReduce(ps, new GradientAllReduceOptions { BucketBytes = 24 * sizeof(float) }, worldSize: 2,
            (flat, what) => { lock (labels) labels.Add(what); flat.add_(1); }, overlap);
        Assert.Equal([19L, 40, 2], reduce.BucketElements);
        Assert.Equal(61 * sizeof(float), reduce.BytesPerStep);

        for (int step = 0; step < 2; step++)
        {
            using var scope = NewDisposeScope();
            for (int i = 0; i < 3; i++) ps[i].grad = randn(ps[i].shape);
            var expected = ps.Take(3).Select(p => (p.grad! + 1) / 2).ToArray();
            ps[3].grad = null; // unused on this rank this step: it contributes zeros and still receives the mean
            reduce.AverageGradients();
            for (int i = 0; i < 3; i++) Assert.True(ps[i].grad!.allclose(expected[i], rtol: 0, atol: 0), $"parameter {i}, step {step}");
            Assert.True(ps[3].grad!.allclose(full(2, 0.5f), rtol: 0, atol: 0));
        }
        Assert.Equal(["gradient bucket 1 of 3", "gradient bucket 2 of 3", "gradient bucket 3 of 3"], labels.Take(3));
        Assert.Equal(6, labels.Count);
    }

    [Fact]
    public void Averaging_allocates_nothing_that_outlives_the_step()
    {
        Parameter[] ps = [Param(8, 8), Param(8)];
        using var reduce = new GradientAllReduce(ps, new GradientAllReduceOptions(), worldSize: 2, (flat, _) => flat.mul_(2), overlap: true);
        foreach (var p in ps) p.grad = ones(p.shape);
        reduce.AverageGradients();
        long live = DisposeScopeManager.Statistics.ThreadTotalLiveCount;
        for (int step = 0; step < 5; step++) reduce.AverageGradients();
        Assert.Equal(live, DisposeScopeManager.Statistics.ThreadTotalLiveCount);
        Assert.True(ps[0].grad!.allclose(ones(8, 8), rtol: 0, atol: 0));
    }

    [Fact]
    public void A_world_of_one_leaves_gradients_alone_and_never_communicates()
    {
        Parameter[] ps = [Param(4)];
        ps[0].grad = tensor(new[] { 1f, 2, 3, 4 });
        using var reduce = new GradientAllReduce(ps, new GradientAllReduceOptions(), worldSize: 1,
            (_, _) => throw new InvalidOperationException("communicated"), overlap: true);
        reduce.AverageGradients();
        Assert.True(ps[0].grad!.allclose(tensor(new[] { 1f, 2, 3, 4 }), rtol: 0, atol: 0));
    }

    [Fact]
    public void A_failed_background_all_reduce_is_rethrown_to_the_caller()
    {
        Parameter[] ps = [Param(4)];
        ps[0].grad = zeros(4);
        using var reduce = new GradientAllReduce(ps, new GradientAllReduceOptions(), worldSize: 2,
            (_, _) => throw new MpiException("MPI_Iallreduce", 15, "MPI_Iallreduce failed on rank 1: MPI_ERR_TRUNCATE"), overlap: true);
        var e = Assert.Throws<MpiException>(reduce.AverageGradients);
        Assert.Equal("MPI_Iallreduce", e.Call);
    }

    [Fact]
    public void Non_float32_parameters_are_rejected_with_their_index()
    {
        Parameter[] ps = [Param(4), new(zeros(4, ScalarType.Float64))];
        var e = Assert.Throws<ArgumentException>(() =>
            new GradientAllReduce(ps, new GradientAllReduceOptions(), 2, (_, _) => { }, overlap: false));
        Assert.Contains("Parameter 1 is Float64", e.Message);
    }
}
