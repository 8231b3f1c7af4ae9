namespace Electra.Tests.Training;

/// <summary>
/// Vocabulary extension from the command line: a malformed <c>--add-tokens</c> file is a usage error before any work,
/// and the pair <c>pretrain --extend-vocab</c> writes reads in <c>logits</c>, trains again from its
/// <c>options.json</c>, and resumes after SIGKILL. (The extended pair's contract is the core's <c>VocabularyExtensionTests</c>.)
/// </summary>
public class VocabularyExtensionCliTests
{
    [Fact]
    public void A_malformed_add_tokens_file_is_named_by_line_before_any_work()
    {
        using var dir = new TestPaths.TempDir();
        File.WriteAllLines(dir["bad.txt"], ["<dose>", "heart rate"]);
        var (code, _, stderr) = Cli.Run("pretrain", "--init-from", TestPaths.Fixture, "--add-tokens", dir["bad.txt"], "--corpus", DomainCorpus.Write(dir["corpus"]),
            "--out", dir["out"], "--steps", "1", "--device", "cpu");
        Assert.Equal(2, code);
        Assert.Contains("bad.txt:2:", stderr);
        Assert.False(Directory.Exists(dir["out"]));
    }

    [Fact]
    public void Pretrain_extends_the_fixture_pair_and_at_lr_0_keeps_its_logits_and_resumes_after_sigkill()
    {
        using var dir = new TestPaths.TempDir();
        string corpus = DomainCorpus.Write(dir["corpus"]);
        string[] Args(string output, params string[] extra) =>
        [
            "pretrain", "--init-from", TestPaths.Fixture, "--extend-vocab", "10", "--corpus", corpus, "--out", output,
            "--steps", "6", "--batch", "8", "--seq", "32", "--save-every", "2", "--eval-every", "0", "--seed", "5", "--device", "cpu", .. extra,
        ];
        var (code, stdout, stderr) = Cli.Run(Args(dir["frozen"], "--lr", "0"));
        Assert.True(code == 0, stderr + stdout);
        Assert.Contains("extended vocabulary: 1024 + 10", stdout);
        string output = Path.Combine(dir["frozen"], "discriminator");
        // `logits` reads the extended pair, new ids included.
        File.WriteAllText(dir["ids.json"], "{\"batches\": [{\"input_ids\": [[2, 1030, 1031, 3]]}]}");
        (code, stdout, stderr) = Cli.Run("logits", "--discriminator", output, "--input", dir["ids.json"], "--output", dir["logits.json"]);
        Assert.True(code == 0, stderr + stdout);

        // options.json records --init-from and --extend-vocab as given: as --config it trains the same run again.
        (code, stdout, stderr) = Cli.Run("pretrain", "--config", Path.Combine(dir["frozen"], "options.json"), "--corpus", corpus, "--out", dir["again"]);
        Assert.True(code == 0, stderr + stdout);
        foreach (string file in new[] { "vocab.txt", "model.safetensors" })
            Assert.Equal(File.ReadAllBytes(Path.Combine(output, file)), File.ReadAllBytes(Path.Combine(dir["again"], "discriminator", file)));

        (code, _, stderr) = Cli.Run(Args(dir["straight"]));
        Assert.True(code == 0, stderr);
        TrainerCliTests.KillAfterTwoCheckpoints(Args(dir["killed"]), dir["killed"]);
        (code, _, stderr) = Cli.Run(Args(dir["killed"], "--resume"));
        Assert.True(code == 0, stderr);
        Assert.Equal(File.ReadAllBytes(Path.Combine(dir["straight"], "discriminator", "model.safetensors")),
            File.ReadAllBytes(Path.Combine(dir["killed"], "discriminator", "model.safetensors")));
    }
}
