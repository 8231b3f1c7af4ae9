using System.Text.Json.Nodes;
using Electra.Training;

namespace Electra.Tests;

/// <summary>Users' data is sacred: what `quickstart` and `pretrain` may replace, and what they check before any work.</summary>
public class RunFolderCliTests
{
    static readonly string Corpus = Path.Combine(TestPaths.Pretrain, "moby-dick.txt");

    /// <summary>A 2-step Tiny run on a small vocabulary: seconds, not minutes.</summary>
    static string[] Tiny(string command, string output, params string[] extra) =>
    [
        command, "--corpus", Corpus, "--out", output, "--preset", "tiny", "--steps", "2", "--batch", "8", "--seq", "32",
        "--vocab-size", "300", "--save-every", "1", "--eval-every", "0", "--threads", "1", .. extra,
    ];

    static string[] Listing(string dir) => Directory.EnumerateFileSystemEntries(dir).Select(Path.GetFileName).Order(StringComparer.Ordinal).ToArray()!;

    [Fact]
    public void A_folder_of_the_users_files_is_refused_before_any_work_and_kept()
    {
        using var dir = new TestPaths.TempDir();
        Directory.CreateDirectory(dir["mine"]);
        File.WriteAllText(dir["mine/notes.txt"], "mine");
        foreach (string command in new[] { "quickstart", "pretrain" })
        {
            var (code, _, stderr) = Cli.Run(Tiny(command, dir["mine"]));
            Assert.Equal(2, code);
            Assert.Contains("holds files electra did not create (notes.txt)", stderr);
            Assert.Contains("--force", stderr);
            Assert.Equal(["notes.txt"], Listing(dir["mine"]));
            Assert.Equal("mine", File.ReadAllText(dir["mine/notes.txt"]));
        }

        // --force writes the run beside them; the user's file stays.
        var (forced, _, forcedErr) = Cli.Run(Tiny("pretrain", dir["mine"], "--force"));
        Assert.True(forced == 0, forcedErr);
        Assert.Equal("mine", File.ReadAllText(dir["mine/notes.txt"]));
        Assert.True(File.Exists(Path.Combine(dir["mine"], "discriminator", "model.safetensors")));
    }

    [Fact]
    public void Quickstart_replaces_only_its_own_run_and_pretrain_needs_resume_or_force()
    {
        using var dir = new TestPaths.TempDir();
        string run = dir["quickstart"];
        var (code, _, stderr) = Cli.Run(Tiny("quickstart", run));
        Assert.True(code == 0, stderr);
        Assert.Equal("quickstart", JsonNode.Parse(File.ReadAllText(Path.Combine(run, RunFolder.MarkerFile)))!["created_by"]!.GetValue<string>());
        File.WriteAllText(Path.Combine(run, "my-notes.txt"), "keep me");
        Directory.CreateDirectory(Path.Combine(run, "finetuned"));
        File.WriteAllText(Path.Combine(run, "finetuned", "results.json"), "{}");
        var firstCheckpoints = Directory.GetDirectories(Path.Combine(run, "checkpoints"));

        // The README's first command again: the earlier quick start is replaced, the user's files are not.
        (code, var stdout, stderr) = Cli.Run(Tiny("quickstart", run, "--seed", "7"));
        Assert.True(code == 0, stderr);
        Assert.Contains("replacing the earlier quickstart", stdout);
        Assert.Equal("keep me", File.ReadAllText(Path.Combine(run, "my-notes.txt")));
        Assert.True(File.Exists(Path.Combine(run, "finetuned", "results.json")));
        Assert.Contains("\"seed\": \"7\"", File.ReadAllText(Path.Combine(run, "run.json")));
        Assert.Equal(firstCheckpoints.Length, Directory.GetDirectories(Path.Combine(run, "checkpoints")).Length);

        // `pretrain` does not replace a run unless told to.
        (code, _, stderr) = Cli.Run(Tiny("pretrain", run));
        Assert.Equal(2, code);
        Assert.Contains("already holds a pre-training run", stderr);
        (code, _, stderr) = Cli.Run(Tiny("pretrain", run, "--resume", "--force"));
        Assert.Equal(2, code);
        Assert.Contains("give one of them", stderr);
    }

    [Fact]
    public void Options_are_checked_before_anything_is_written()
    {
        using var dir = new TestPaths.TempDir();
        foreach (string command in new[] { "pretrain", "quickstart" })
        {
            var (code, _, stderr) = Cli.Run(Tiny(command, dir["run"]).Select(a => a == "32" ? "129" : a).ToArray());
            Assert.Equal(2, code);
            Assert.Contains("--seq must be 8 to 128", stderr);
            Assert.DoesNotContain("   at ", stderr); // no stack trace
            Assert.False(Directory.Exists(dir["run"]), "the rejected run wrote output");
        }

        File.WriteAllText(dir["file"], "precious");
        foreach (var args in new[] { Tiny("pretrain", dir["file"]), Tiny("quickstart", dir["file"]),
                     ["tokenizer", "train", "--corpus", Corpus, "--vocab-size", "100", "--out", dir["file"]] })
        {
            var (code, _, stderr) = Cli.Run(args);
            Assert.Equal(2, code);
            Assert.Contains($"--out {dir["file"]} is a file", stderr);
            Assert.Equal("precious", File.ReadAllText(dir["file"]));
        }
        var (c, _, e) = Cli.Run("tokenizer", "encode", "--vocab", dir["v"], "--input", dir["file"], "--output", dir.Path);
        Assert.Equal(2, c);
        Assert.Contains("is a folder", e);

        var (missing, _, missingErr) = Cli.Run(Tiny("quickstart", dir["run"]).Select(a => a == Corpus ? dir["missing.txt"] : a).ToArray());
        Assert.Equal(1, missing);
        Assert.Contains("missing.txt", missingErr);
        Assert.False(Directory.Exists(dir["run"]));
    }

    [Fact]
    public void A_moved_run_folder_resumes_also_with_an_older_absolute_run_json()
    {
        using var dir = new TestPaths.TempDir();
        var (code, _, stderr) = Cli.Run(Tiny("pretrain", dir["before"]));
        Assert.True(code == 0, stderr);
        string runJson = Path.Combine(dir["before"], "run.json");
        var run = JsonNode.Parse(File.ReadAllText(runJson))!;
        Assert.Equal("dataset", run["dataset"]!.GetValue<string>());
        run["dataset"] = Path.Combine(dir["before"], "dataset"); // as older versions wrote it
        File.WriteAllText(runJson, run.ToJsonString());

        Directory.Move(dir["before"], dir["after"]);
        (code, var stdout, stderr) = Cli.Run(Tiny("pretrain", dir["after"], "--resume").Select(a => a == "2" ? "3" : a).ToArray());
        Assert.True(code == 0, stderr);
        Assert.Contains("done: 3 steps", stdout);
        Assert.Equal("dataset", JsonNode.Parse(File.ReadAllText(Path.Combine(dir["after"], "run.json")))!["dataset"]!.GetValue<string>());
    }
}
