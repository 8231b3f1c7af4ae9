using System.Diagnostics;
using Electra.Training;

namespace Electra.Tests.Training;

/// <summary>
/// What only the process shows about a pre-training run: killed with SIGKILL (no chance to clean up) mid-run and
/// resumed with <c>pretrain --resume</c>, it ends bit-identical to an uninterrupted run. (Stopping through the library,
/// by cancellation, is the core's <c>TrainerTests</c>.)
/// </summary>
public class TrainerCliTests
{
    static readonly string Corpus = Path.Combine(TestPaths.Pretrain, "moby-dick.txt");

    static byte[] Weights(string runDir) => File.ReadAllBytes(Path.Combine(runDir, "discriminator", "model.safetensors"));

    [Fact]
    public void Killed_with_sigkill_mid_run_then_resumed_from_the_cli_ends_identical()
    {
        using var dir = new TestPaths.TempDir();
        string[] Args(string output, params string[] extra) => new[]
        {
            "pretrain", "--corpus", Corpus, "--out", output, "--preset", "tiny", "--steps", "12", "--batch", "8", "--seq", "64",
            "--vocab-size", "1000", "--save-every", "2", "--eval-every", "0", "--seed", "5", "--device", "cpu",
        }.Concat(extra).ToArray();

        var (code, _, stderr) = Cli.Run(Args(dir["straight"]));
        Assert.True(code == 0, stderr);

        KillAfterTwoCheckpoints(Args(dir["killed"]), dir["killed"]);
        (code, _, stderr) = Cli.Run(Args(dir["killed"], "--resume"));
        Assert.True(code == 0, stderr);
        Assert.Equal(Weights(dir["straight"]), Weights(dir["killed"]));
    }

    /// <summary>Starts the CLI with <paramref name="args"/> and SIGKILLs it once <paramref name="runDir"/> holds two checkpoints.</summary>
    internal static void KillAfterTwoCheckpoints(string[] args, string runDir)
    {
        var psi = new ProcessStartInfo("dotnet") { RedirectStandardOutput = true, RedirectStandardError = true };
        psi.ArgumentList.Add(TestPaths.CliDll);
        foreach (string a in args) psi.ArgumentList.Add(a);
        using (var p = Process.Start(psi)!)
        {
            p.OutputDataReceived += (_, _) => { };
            p.ErrorDataReceived += (_, _) => { };
            p.BeginOutputReadLine();
            p.BeginErrorReadLine();
            string checkpoints = Path.Combine(runDir, "checkpoints");
            var clock = Stopwatch.StartNew();
            while (Checkpoint.List(checkpoints).Count < 2 && !p.HasExited && clock.Elapsed < TimeSpan.FromMinutes(3)) Thread.Sleep(20);
            Assert.False(p.HasExited, "the run finished before it could be killed");
            p.Kill(); // SIGKILL: no chance to clean up
            p.WaitForExit();
        }
        Assert.False(File.Exists(Path.Combine(runDir, "discriminator", "model.safetensors")));
    }
}
