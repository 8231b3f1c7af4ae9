namespace Electra.Tests.FineTuning;

/// <summary>
/// An option only one task kind reads, with a value no run could want, is a usage error of `finetune` like any other:
/// exit 2 naming the flag, before any work, nothing written to --out (the kind's check, Tasks.TaskFolderKind.ValidateOptions).
/// </summary>
public class KindOptionCliTests
{
    static string Discriminator => Path.Combine(TestPaths.Fixture, "discriminator");

    [Theory]
    [InlineData("squad", "--max-query-length", new[] { "--max-length", "64", "--max-query-length", "61" }, "max query length 61 leaves no room for context in windows of 64 pieces")]
    [InlineData("retrieval", "--contrastive-temperature", new[] { "--contrastive-temperature", "0" }, "temperature must be positive")]
    [InlineData("retrieval", "--contrastive-temperature", new[] { "--temperature", "-1" }, "temperature must be positive")] // the old name is named by the new one
    public void A_bad_kind_option_exits_2_naming_it_before_any_work(string kind, string flag, string[] given, string message)
    {
        using var dir = new TestPaths.TempDir();
        string task = kind == "squad" ? SyntheticTasks.Squad(dir["task"], train: 2, eval: 2) : SyntheticTasks.Pairs(dir["task"], train: 4, dev: 2);
        var (code, stdout, stderr) = Cli.Run(["finetune", "--model", Discriminator, "--task", task, "--out", dir["out"], .. given]);
        Assert.True(code == 2, stdout + stderr);
        Assert.Contains($"electra finetune: {flag}: {message}", stderr);
        Assert.DoesNotContain("fine-tuning", stdout); // refused before the run starts
        Assert.False(Directory.Exists(dir["out"]));
    }
}
