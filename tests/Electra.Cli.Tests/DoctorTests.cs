using Electra.Corpora;
using Electra.Diagnostics;
using TorchSharp;

namespace Electra.Tests.Diagnostics;

/// <summary>`electra doctor` and the library behind it, on this machine and with components taken away.</summary>
public class DoctorTests
{
    [Fact]
    public void Missing_mpirun_and_corpus_cache_are_lines_with_their_fix_and_do_not_block_pretraining()
    {
        using var dir = new TestPaths.TempDir();
        Directory.CreateDirectory(dir["bin"]); // a PATH without mpirun
        var report = Doctor.Run(new DoctorOptions
        {
            SearchPath = dir["bin"],
            MpiLibrary = "libmpi-not-installed.so.40",
            MoreChecks = [CorpusDownloader.Check(dir["no-corpus"])],
        });
        var byName = report.Checks.ToDictionary(c => c.Name);
        Assert.True(byName[".NET"].Ok);
        Assert.True(byName["TorchSharp"].Ok, byName["TorchSharp"].Detail);
        Assert.Contains("libtorch-cpu-linux-x64", byName["libtorch backend"].Detail);
        Assert.True(byName["bf16"].Ok, byName["bf16"].Detail); // libtorch's CPU kernels have bf16 matmul
        var mpi = byName["Open MPI"];
        Assert.False(mpi.Ok);
        Assert.Contains("mpirun is not on PATH", mpi.Detail);
        Assert.Equal("apt-get install -y openmpi-bin libopenmpi-dev", mpi.Fix);
        var corpus = byName["corpus cache"];
        Assert.False(corpus.Ok);
        Assert.Equal($"electra corpus fetch --out {dir["no-corpus"]}", corpus.Fix);
        Assert.True(report.CanPretrain);
        Assert.Equal(torch.cuda.is_available() ? "cuda" : "cpu", report.Device);
    }

    [Fact]
    public void A_complete_cache_and_a_present_mpirun_are_ok()
    {
        using var dir = new TestPaths.TempDir();
        Directory.CreateDirectory(dir["bin"]);
        File.WriteAllText(dir["bin/mpirun"], "");
        var mpi = Doctor.Run(new DoctorOptions { SearchPath = dir["bin"], MpiLibrary = "libmpi-not-installed.so.40" }).Checks.Single(c => c.Name == "Open MPI");
        Assert.Contains(dir["bin/mpirun"], mpi.Detail); // found, though the library is not
        Assert.Contains("does not load", mpi.Detail);
        var onnx = Doctor.OnnxRuntime(Electra.Onnx.OnnxRuntimeInfo.Probe);
        Assert.True(onnx.Ok, onnx.Detail);
        Assert.Contains("CPUExecutionProvider", onnx.Detail);
        var broken = Doctor.OnnxRuntime(() => throw new DllNotFoundException("libonnxruntime.so"));
        Assert.False(broken.Ok);
        Assert.Contains("Microsoft.ML.OnnxRuntime", broken.Fix);
    }

    [Fact]
    public void The_command_prints_one_line_per_component_and_exits_0_when_pretraining_can_run()
    {
        using var dir = new TestPaths.TempDir();
        var (code, stdout, stderr) = Cli.Run("doctor", "--corpus", dir["no-corpus"]);
        Assert.True(code == 0, stdout + stderr);
        foreach (string name in new[] { ".NET", "TorchSharp", "libtorch backend", "CUDA", "bf16", "threads and BLAS", "Open MPI", "ONNX Runtime", "corpus cache" })
            Assert.Contains(" " + name, stdout);
        Assert.Contains($"fix: electra corpus fetch --out {dir["no-corpus"]}", stdout);
        Assert.Contains("can run", stdout);
        File.WriteAllText(dir["corpus.txt"], "a corpus file, not a cache folder\n");
        (code, _, stderr) = Cli.Run("doctor", "--corpus", dir["corpus.txt"]);
        Assert.Equal(2, code); // a usage error naming the option, not a "not there" line and exit 0
        Assert.Contains($"--corpus {dir["corpus.txt"]}: a file", stderr);
        if (torch.cuda.is_available()) return;
        (code, stdout, _) = Cli.Run("doctor", "--device", "cuda", "--corpus", dir["no-corpus"]);
        Assert.Equal(1, code);
        Assert.Contains("pre-training on cuda cannot run: CUDA missing", stdout);
    }
}
