using Electra.Distributed;
using TorchSharp;
using static TorchSharp.torch;

namespace Electra.Training;

/// <summary>
/// Where pre-training runs and at which matmul precision: the one rule the trainer, its <c>options.json</c>
/// (<c>--print-config</c>), the benchmark and the experiment's budget calibration all use. <c>auto</c> is CUDA when
/// libtorch sees a GPU, else the CPU; in a data-parallel job <c>cuda</c> and <c>auto</c> mean <c>cuda:{local rank}</c>
/// (one GPU per rank; an explicit <c>cuda:N</c> is kept); bf16 autocast is on for CUDA and off for the CPU unless asked.
/// </summary>
/// <param name="Device">The resolved device.</param>
/// <param name="Bf16">bf16 autocast of the forward pass (fp32 master weights).</param>
public sealed record TrainingDevice(Device Device, bool Bf16)
{
    /// <summary>Resolves a device name (cpu, cuda, cuda:N or auto) and the bf16 choice (null: the device's default).</summary>
    /// <exception cref="ArgumentException">An unknown name, or CUDA asked for where it is not available.</exception>
    public static TrainingDevice Resolve(string name, bool? bf16 = null, Mpi? mpi = null)
    {
        var device = Parse(name);
        if (mpi is { Size: > 1 } && device.type == DeviceType.CUDA && !name.Contains(':')) device = torch.device(DeviceType.CUDA, mpi.LocalRank);
        return new TrainingDevice(device, bf16 ?? device.type == DeviceType.CUDA);
    }

    /// <summary>The device a name means in this process: cpu, cuda, cuda:N, or auto (cuda when available).</summary>
    /// <exception cref="ArgumentException">An unknown name, or CUDA asked for where it is not available.</exception>
    public static Device Parse(string name)
    {
        if (name == "auto") return cuda.is_available() ? CUDA : CPU;
        if (name.StartsWith("cuda", StringComparison.Ordinal) && !cuda.is_available())
            throw new ArgumentException($"device '{name}' requested but CUDA is not available (build with -p:ElectraBackend=cuda on a machine with an NVIDIA GPU)");
        try
        {
            return torch.device(name);
        }
        catch (Exception e) when (e is ArgumentException or FormatException)
        {
            throw new ArgumentException($"unknown device '{name}' (expected cpu, cuda, cuda:N or auto)", e);
        }
    }

    /// <summary>Whether the device is a GPU (asynchronous: time it only after <see cref="Synchronize"/>).</summary>
    public bool IsCuda => Device.type == DeviceType.CUDA;

    /// <summary>The dtype the matmuls run in: bf16 under autocast, else fp32 (what the MFU ceiling is measured in).</summary>
    public ScalarType MatmulType => Bf16 ? ScalarType.BFloat16 : ScalarType.Float32;

    /// <summary>Waits for queued device work (CUDA is asynchronous; CPU ops have finished when they return).</summary>
    public void Synchronize()
    {
        if (IsCuda) cuda.synchronize(Device);
    }
}
