using Electra.Interop;

namespace Electra.Tests.Training;

/// <summary>
/// <c>pretrain --init-from DIR</c> as a process: killed with SIGKILL and resumed, and a folder that is not a pair
/// refused as a usage error. (What the library does with the pair is the core's <c>InitFromTests</c>.)
/// </summary>
public class InitFromCliTests
{
    static readonly string Layouts = Path.Combine(TestPaths.RepoRoot, "tests", "Electra.Tests", "HubLayouts");
    static readonly string Corpus = Path.Combine(TestPaths.Pretrain, "moby-dick.txt");

    static string[] Args(string initFrom, string output, params string[] extra) => new[]
    {
        "pretrain", "--init-from", initFrom, "--tokenizer", TestPaths.Fixture, "--corpus", Corpus, "--out", output,
        "--steps", "6", "--batch", "8", "--seq", "64", "--save-every", "2", "--eval-every", "0", "--seed", "5", "--device", "cpu",
    }.Concat(extra).ToArray();

    [Fact]
    public void An_init_from_run_killed_with_sigkill_resumes_to_the_uninterrupted_result()
    {
        using var dir = new TestPaths.TempDir();
        string init = Path.Combine(Layouts, "strided"); // zip .bin, strided views, generator holding only the head's table
        var (code, _, stderr) = Cli.Run(Args(init, dir["straight"]));
        Assert.True(code == 0, stderr);
        // Training moved the weights away from the starting pair's.
        using (var start = Pretrained.LoadDiscriminator(Path.Combine(init, "discriminator"), _ => { }))
        using (var trained = Pretrained.LoadDiscriminator(Path.Combine(dir["straight"], "discriminator")))
        {
            var moved = trained.state_dict();
            Assert.True(start.state_dict().Max(kv => (kv.Value - moved[kv.Key]).abs().max().item<float>()) > 1e-4, "training moved nothing");
        }

        TrainerCliTests.KillAfterTwoCheckpoints(Args(init, dir["killed"]), dir["killed"]);
        (code, _, stderr) = Cli.Run(Args(init, dir["killed"], "--resume"));
        Assert.True(code == 0, stderr);
        Assert.Equal(File.ReadAllBytes(Path.Combine(dir["straight"], "discriminator", "model.safetensors")),
            File.ReadAllBytes(Path.Combine(dir["killed"], "discriminator", "model.safetensors")));
    }

    [Fact]
    public void A_folder_without_the_pair_is_a_usage_error_before_any_work()
    {
        using var dir = new TestPaths.TempDir();
        var (code, _, stderr) = Cli.Run(Args(Path.Combine(Layouts, "legacy", "discriminator"), dir["out"]));
        Assert.Equal(2, code);
        Assert.Contains("no discriminator/config.json", stderr);
        Assert.False(Directory.Exists(dir["out"]));
    }
}
