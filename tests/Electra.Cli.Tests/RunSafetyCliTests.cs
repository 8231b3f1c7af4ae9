using Electra.IO;
using Electra.Training;

namespace Electra.Tests.Training;

/// <summary>
/// Issue 16's and 22's run-safety cases as the command shows them: exit codes and messages of a refused
/// <c>pretrain --resume</c>, and a live or killed process holding its run folder. (The library's side of each case is
/// the core's <c>RunSafetyTests</c>.)
/// </summary>
public class RunSafetyCliTests
{
    static readonly string Corpus = Path.Combine(TestPaths.Pretrain, "moby-dick.txt");

    [Theory]
    [InlineData("seq")]
    [InlineData("corpus")]
    public void Resume_from_the_cli_with_run_json_deleted_refuses_a_changed_seq_or_corpus(string change)
    {
        using var dir = new TestPaths.TempDir();
        string run = dir["run"];
        string[] pretrain = ["pretrain", "--out", run, "--preset", "tiny", "--batch", "8", "--vocab-size", "300", "--eval-every", "0", "--threads", "1"];
        var (code, _, stderr) = Cli.Run([.. pretrain, "--corpus", Corpus, "--seq", "64", "--steps", "2"]);
        Assert.True(code == 0, stderr);
        File.Delete(Path.Combine(run, RunFolder.RunFile));
        string manifest = Path.Combine(run, "dataset", "dataset.json");
        var written = File.GetLastWriteTimeUtc(manifest);
        string corpus = Corpus, seq = "64";
        if (change == "corpus")
        {
            corpus = dir["other.txt"];
            File.WriteAllLines(corpus, File.ReadLines(Corpus).Take(3000));
        }
        else seq = "32";

        (code, _, stderr) = Cli.Run([.. pretrain, "--corpus", corpus, "--seq", seq, "--steps", "3", "--resume"]);
        Assert.True(code == 1, $"exit {code}, expected 1: --resume with a changed {change} and run.json deleted\n{stderr}");
        Assert.Contains("cannot resume", stderr);
        Assert.Contains(change + ":", stderr);
        Assert.Equal(written, File.GetLastWriteTimeUtc(manifest)); // the dataset was not rebuilt
    }

    [Fact]
    public void Resume_with_nothing_to_resume_is_refused_before_anything_is_written()
    {
        using var dir = new TestPaths.TempDir();
        // --steps 2: a CLI that does not refuse (issue 22's main) ends soon, with exit 0
        var (code, _, stderr) = Cli.Run("pretrain", "--corpus", Corpus, "--out", dir["misspelt"], "--preset", "tiny", "--steps", "2", "--resume", "--threads", "1");
        Assert.Equal(2, code);
        Assert.Contains($"--out {dir["misspelt"]} holds no run to resume", stderr);
        Assert.False(Directory.Exists(dir["misspelt"]));
    }

    [Fact]
    public void A_live_run_holds_its_folder_and_a_killed_one_leaves_nothing_stuck()
    {
        using var dir = new TestPaths.TempDir();
        string run = dir["run"];
        string[] pretrain = ["pretrain", "--corpus", Corpus, "--out", run, "--preset", "tiny", "--batch", "8", "--seq", "32", "--vocab-size", "300",
            "--eval-every", "0", "--threads", "1"];

        // A live run (this process, through the library's lock): a second process is refused with its pid.
        var (first, _, firstErr) = Cli.Run([.. pretrain, "--steps", "2"]);
        Assert.True(first == 0, firstErr);
        using (RunLock.Acquire(run))
        {
            var (code, _, stderr) = Cli.Run([.. pretrain, "--steps", "3", "--resume"]);
            Assert.Equal(2, code);
            Assert.Contains($"--out {run} is in use by another electra process (pid {Environment.ProcessId})", stderr);
            (code, _, stderr) = Cli.Run([.. pretrain, "--steps", "3", "--force"]);
            Assert.Equal(2, code); // --force does not remove a live run's files
            Assert.True(File.Exists(Path.Combine(run, "run.json")));
        }

        // kill -9 of a live run: the kernel drops its lock, the run resumes.
        var psi = new System.Diagnostics.ProcessStartInfo("dotnet") { RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (string a in (string[])[TestPaths.CliDll, .. pretrain, "--steps", "100000", "--save-every", "1", "--resume"]) psi.ArgumentList.Add(a);
        using (var live = System.Diagnostics.Process.Start(psi)!)
        {
            string holder = Path.Combine(run, RunLock.HolderFile);
            var clock = System.Diagnostics.Stopwatch.StartNew();
            while (!(File.Exists(holder) && File.ReadAllText(holder).Trim() == live.Id.ToString(System.Globalization.CultureInfo.InvariantCulture)) && clock.Elapsed < TimeSpan.FromMinutes(2))
                Thread.Sleep(100);
            var (code, _, stderr) = Cli.Run([.. pretrain, "--steps", "3", "--resume"]);
            Assert.Equal(2, code);
            Assert.Contains($"(pid {live.Id})", stderr);
            live.Kill(entireProcessTree: true);
            live.WaitForExit();
        }
        long done = Checkpoint.List(Path.Combine(run, "checkpoints")).Select(c => long.Parse(Path.GetFileName(c)["step-".Length..], System.Globalization.CultureInfo.InvariantCulture)).Max();
        var (resumed, stdout, resumedErr) = Cli.Run([.. pretrain, "--steps", (done + 1).ToString(System.Globalization.CultureInfo.InvariantCulture), "--resume"]);
        Assert.True(resumed == 0, resumedErr);
        Assert.Contains($"done: {done + 1} steps", stdout);
    }

    [Fact]
    public void An_unavailable_device_fails_before_anything_is_written()
    {
        Electra.Native.TorchRuntime.EnsureLoaded();
        if (TorchSharp.torch.cuda.is_available()) return; // the check is for CPU-only builds
        using var dir = new TestPaths.TempDir();
        var (code, _, stderr) = Cli.Run("pretrain", "--corpus", Corpus, "--out", dir["run"], "--preset", "tiny", "--device", "cuda", "--threads", "1");
        Assert.Equal(2, code);
        Assert.Contains("CUDA is not available", stderr);
        Assert.False(Directory.Exists(dir["run"]));
    }
}
