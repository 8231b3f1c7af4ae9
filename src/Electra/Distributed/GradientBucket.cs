using System.Runtime.ExceptionServices;
using TorchSharp.Modules;
using TorchSharp;
using static TorchSharp.torch;

namespace Electra.Distributed;

/// <summary>
/// A run of parameters whose gradients travel together: one contiguous float32 host buffer, allocated once and
/// reused every step, and a view of it shaped like each parameter. Parameters on a GPU are first gathered into a
/// device buffer so that the host sees a single device-to-host copy per bucket.
/// </summary>
internal sealed class GradientBucket : IDisposable
{
    readonly Parameter[] _parameters;
    readonly Tensor _host;            // [numel] what MPI reads and writes
    readonly Tensor? _device;         // [numel] on the parameters' GPU, null for CPU parameters
    readonly Tensor[] _views;         // per parameter, views of _device ?? _host shaped like the parameter

    public GradientBucket(int index, IReadOnlyList<Parameter> parameters)
    {
        Index = index;
        _parameters = [.. parameters];
        long numel = _parameters.Sum(p => p.numel());
        Device device = _parameters[0].device;
        bool onGpu = device.type != DeviceType.CPU;
        _host = zeros(numel, ScalarType.Float32);
        if (onGpu)
        {
            // Pinned host memory lets the device-to-host copies run at full bus speed.
            var pinned = _host.pin_memory();
            _host.Dispose();
            _host = pinned;
            _device = zeros(numel, ScalarType.Float32, device);
        }
        Tensor flat = _device ?? _host;
        _views = new Tensor[_parameters.Length];
        long offset = 0;
        for (int i = 0; i < _parameters.Length; i++)
        {
            long n = _parameters[i].numel();
            _views[i] = flat.narrow(0, offset, n).view(_parameters[i].shape); // [param shape] slice of the bucket
            offset += n;
        }
        Elements = numel;
    }

    /// <summary>The bucket's position in the step, used in watchdog messages.</summary>
    public int Index { get; }

    /// <summary>Number of float32 gradient elements in the bucket.</summary>
    public long Elements { get; }

    /// <summary>The parameters in the bucket, in packing order.</summary>
    public IReadOnlyList<Parameter> Parameters => _parameters;

    /// <summary>The host buffer MPI reduces: [Elements] float32 on the CPU.</summary>
    public Tensor Host => _host;

    /// <summary>Set by the communication thread when <see cref="Host"/> holds the reduced sum.</summary>
    public ManualResetEventSlim Reduced { get; } = new(false);

    /// <summary>The failure of the background all-reduce, rethrown on the caller's thread.</summary>
    public ExceptionDispatchInfo? Failure { get; set; }

    /// <summary>Copies every gradient into the bucket; a parameter without a gradient this step contributes zeros.</summary>
    public void Pack()
    {
        using var scope = NewDisposeScope();
        for (int i = 0; i < _parameters.Length; i++)
        {
            if (_parameters[i].grad is { } grad) _views[i].copy_(grad);
            else _views[i].zero_();
        }
        if (_device is not null) _host.copy_(_device);
    }

    /// <summary>Divides the reduced sum by <paramref name="worldSize"/> and writes the mean back into every gradient.</summary>
    public void Unpack(int worldSize)
    {
        using var scope = NewDisposeScope();
        _host.div_(worldSize);
        _device?.copy_(_host);
        for (int i = 0; i < _parameters.Length; i++)
        {
            // Other ranks may have produced a gradient for a parameter this rank did not use.
            if (_parameters[i].grad is { } grad) grad.copy_(_views[i]);
            else _parameters[i].grad = _views[i].clone();
        }
    }

    public void Dispose()
    {
        foreach (var v in _views) v.Dispose();
        _device?.Dispose();
        _host.Dispose();
        Reduced.Dispose();
    }
}
