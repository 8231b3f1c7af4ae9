using System.Collections.Concurrent;
using System.Runtime.ExceptionServices;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace Electra.Distributed;

/// <summary>
/// Data parallelism's one collective: after <c>backward()</c> and before <c>optimizer.step()</c>, replaces every
/// gradient with its mean over the ranks, so that N ranks with batch b take the same step as one process with
/// batch N·b (for losses that are means over the batch).
/// </summary>
/// <remarks>
/// Gradients travel in buckets (<see cref="GradientAllReduceOptions.BucketBytes"/>, PyTorch DDP's scheme): each
/// bucket is flattened into a contiguous host buffer allocated once, summed in place with one all-reduce, divided
/// by the world size and copied back. TorchSharp 0.107 exposes no autograd hooks (module hooks are forward-only),
/// so unlike DDP the all-reduce cannot start while <c>backward()</c> is still running; what overlaps is the
/// all-reduce of bucket k on a background thread with packing bucket k+1 and unpacking bucket k−1 on the caller.
/// Parameters must be float32 and on one device; GPU gradients are staged through pinned host memory (no
/// CUDA-aware MPI is assumed).
/// </remarks>
public sealed class GradientAllReduce : IDisposable
{
    readonly GradientBucket[] _buckets;
    readonly int _worldSize;
    readonly Action<Tensor, string> _allReduceSum;
    readonly BlockingCollection<GradientBucket>? _queue;
    readonly Thread? _communicator;

    /// <summary>Buckets the parameters that require gradients, in the order given (the model's registration order).</summary>
    /// <exception cref="ArgumentException">A parameter is not float32, or the parameters span several devices.</exception>
    public GradientAllReduce(Mpi mpi, IEnumerable<Parameter> parameters, GradientAllReduceOptions? options = null)
        : this(parameters, options ?? new GradientAllReduceOptions(), mpi.Size, (flat, what) => mpi.AllReduceSum(flat, what),
               overlap: (options?.Overlap ?? true) && mpi.SupportsBackgroundThreads)
    {
    }

    /// <summary>The seam tests use: <paramref name="allReduceSum"/> stands in for the ranks.</summary>
    internal GradientAllReduce(IEnumerable<Parameter> parameters, GradientAllReduceOptions options, int worldSize,
                               Action<Tensor, string> allReduceSum, bool overlap)
    {
        if (options.BucketBytes <= 0)
            throw new ArgumentException($"BucketBytes must be positive, got {options.BucketBytes}.", nameof(options));
        _worldSize = worldSize;
        _allReduceSum = allReduceSum;
        _buckets = Partition(Validate(parameters), options.BucketBytes)
            .Select((group, i) => new GradientBucket(i, group))
            .ToArray();
        if (overlap && worldSize > 1)
        {
            _queue = new BlockingCollection<GradientBucket>();
            _communicator = new Thread(Communicate) { IsBackground = true, Name = "gradient all-reduce" };
            _communicator.Start();
        }
    }

    /// <summary>The number of elements in each bucket, in reduction order.</summary>
    public IReadOnlyList<long> BucketElements => _buckets.Select(b => b.Elements).ToArray();

    /// <summary>Gradient bytes each rank contributes to the all-reduce every step (float32 elements × 4).</summary>
    public long BytesPerStep => _buckets.Sum(b => b.Elements) * sizeof(float);

    /// <summary>
    /// Replaces every parameter's gradient with its mean over the ranks. Every rank must call it once per optimizer
    /// step, after backward. A parameter without a gradient on this rank counts as zero and receives the mean.
    /// A no-op in a world of size 1.
    /// </summary>
    public void AverageGradients()
    {
        if (_worldSize == 1) return;
        if (_queue is null)
        {
            foreach (var bucket in _buckets)
            {
                bucket.Pack();
                _allReduceSum(bucket.Host, Label(bucket));
                bucket.Unpack(_worldSize);
            }
            return;
        }
        foreach (var bucket in _buckets)
        {
            bucket.Reduced.Reset();
            bucket.Pack();
            _queue.Add(bucket);
        }
        foreach (var bucket in _buckets)
        {
            bucket.Reduced.Wait();
            bucket.Failure?.Throw();
            bucket.Unpack(_worldSize);
        }
    }

    void Communicate()
    {
        foreach (var bucket in _queue!.GetConsumingEnumerable())
        {
            try
            {
                bucket.Failure = null;
                _allReduceSum(bucket.Host, Label(bucket));
            }
            catch (Exception e)
            {
                bucket.Failure = ExceptionDispatchInfo.Capture(e);
            }
            finally
            {
                bucket.Reduced.Set();
            }
        }
    }

    string Label(GradientBucket bucket) => $"gradient bucket {bucket.Index + 1} of {_buckets.Length}";

    static List<Parameter> Validate(IEnumerable<Parameter> parameters)
    {
        var list = parameters.Where(p => p.requires_grad).ToList();
        if (list.Count == 0) throw new ArgumentException("No parameter requires a gradient: there is nothing to all-reduce.", nameof(parameters));
        Device device = list[0].device;
        for (int i = 0; i < list.Count; i++)
        {
            if (list[i].dtype != ScalarType.Float32)
                throw new ArgumentException($"Parameter {i} is {list[i].dtype}: gradient all-reduce supports float32 parameters only.", nameof(parameters));
            if (list[i].device.type != device.type || list[i].device.index != device.index)
                throw new ArgumentException($"Parameter {i} is on {list[i].device} but parameter 0 is on {device}: one rank drives one device.", nameof(parameters));
        }
        return list;
    }

    /// <summary>Greedy, order-preserving packing: a bucket closes when the next parameter would exceed the cap.</summary>
    internal static List<List<Parameter>> Partition(IReadOnlyList<Parameter> parameters, long bucketBytes)
    {
        var buckets = new List<List<Parameter>>();
        List<Parameter>? current = null;
        long bytes = 0;
        foreach (var p in parameters)
        {
            long size = p.numel() * sizeof(float);
            if (current is null || (bytes > 0 && bytes + size > bucketBytes))
            {
                current = [];
                buckets.Add(current);
                bytes = 0;
            }
            current.Add(p);
            bytes += size;
        }
        return buckets;
    }

    /// <summary>Stops the communication thread and frees the bucket buffers.</summary>
    public void Dispose()
    {
        _queue?.CompleteAdding();
        _communicator?.Join();
        _queue?.Dispose();
        foreach (var bucket in _buckets) bucket.Dispose();
    }
}
