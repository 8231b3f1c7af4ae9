using System.Text.Json.Nodes;
using Electra.FineTuning;
using Electra.IO;
using Electra.Tasks;

namespace Electra.Tests;

/// <summary>
/// Users' data is sacred: the one output-folder rule (<see cref="OutputFolder"/>) every command that writes a folder or
/// a file follows, from the CLI and from C#.
/// </summary>
public class OutputFolderTests
{
    static string Discriminator => Path.Combine(TestPaths.Fixture, "discriminator");
    static readonly string Corpus = Path.Combine(TestPaths.Pretrain, "moby-dick.txt");

    static string[] Finetune(string task, string output) =>
        ["finetune", "--model", Discriminator, "--init", "random", "--task", task, "--out", output, "--epochs", "1", "--max-train", "16", "--max-length", "16", "--threads", "1"];

    static string[] Listing(string dir) => Directory.EnumerateFileSystemEntries(dir).Select(Path.GetFileName).Order(StringComparer.Ordinal).ToArray()!;

    [Theory]
    [InlineData("users-files")]
    [InlineData("task-folder")]
    [InlineData("model-folder")]
    public void Finetune_refuses_a_folder_of_the_users_files_the_task_folder_and_the_model_folder_and_keeps_them(string output)
    {
        using var dir = new TestPaths.TempDir();
        string task = SyntheticTasks.Sequence(dir["task"], train: 32, dev: 8);
        if (output == "users-files")
        {
            Directory.CreateDirectory(dir["mine"]);
            File.WriteAllText(dir["mine/mine.txt"], "mine");
            var (code, _, stderr) = Cli.Run(Finetune(task, dir["mine"]));
            Assert.True(code == 2, $"exit {code}, expected 2; --out now holds {string.Join(", ", Listing(dir["mine"]))}\n{stderr}");
            Assert.Contains($"--out {dir["mine"]} holds files electra did not create (mine.txt)", stderr);
            Assert.Equal(["mine.txt"], Listing(dir["mine"]));
        }
        else if (output == "task-folder")
        {
            var taskFiles = Listing(task);
            var (code, _, stderr) = Cli.Run(Finetune(task, task));
            Assert.True(code == 2, $"exit {code}, expected 2; --task now holds {string.Join(", ", Listing(task))}\n{stderr}");
            Assert.Contains("is the --task folder", stderr);
            Assert.Equal(taskFiles, Listing(task));
        }
        else
        {
            // The model folder (a copy: the fixture is shared), as the CLI and as a C# caller.
            CopyFolder(Discriminator, dir["model"]);
            var modelFiles = Listing(dir["model"]);
            var (code, _, stderr) = Cli.Run(Finetune(task, dir["model"]).Select(a => a == Discriminator ? dir["model"] : a).ToArray());
            Assert.True(code == 2, $"exit {code}, expected 2; --model now holds {string.Join(", ", Listing(dir["model"]))}\n{stderr}");
            Assert.Contains("is the --model folder", stderr);
            var e = Assert.Throws<OutputFolderException>(() => FineTune.Run(dir["model"], task, new FineTuneOptions { Epochs = 1 }, dir["model"]));
            Assert.Contains("is the --model folder", e.Message);
            Assert.Equal(modelFiles, Listing(dir["model"]));
        }
    }

    [Fact]
    public void Rerunning_finetune_replaces_its_own_output_and_keeps_predictions_written_beside_it()
    {
        using var dir = new TestPaths.TempDir();
        string task = SyntheticTasks.Sequence(dir["task"], train: 32, dev: 8);
        var (code, _, stderr) = Cli.Run(Finetune(task, dir["out"]));
        Assert.True(code == 0, stderr);

        // README: predict into the fine-tuned folder, then fine-tune again.
        string predictionsFile = Path.Combine(dir["out"], "predictions.tsv");
        (code, _, stderr) = Cli.Run("predict", "--model", dir["out"], "--input", Path.Combine(task, "dev.tsv"), "--output", predictionsFile);
        Assert.True(code == 0, stderr);
        string predictions = File.ReadAllText(predictionsFile);
        (code, _, stderr) = Cli.Run([.. Finetune(task, dir["out"]), "--seed", "5"]);
        Assert.True(code == 0, stderr);
        Assert.True(File.Exists(predictionsFile), $"fine-tuning again removed {predictionsFile}");
        Assert.Equal(predictions, File.ReadAllText(predictionsFile));
        Assert.Contains("\"seed\": 5", File.ReadAllText(Path.Combine(dir["out"], "results.json")));
        Assert.DoesNotContain(Listing(dir["out"]), n => n.Contains(".tmp"));
        var marker = JsonNode.Parse(File.ReadAllText(Path.Combine(dir["out"], OutputFolder.MarkerFile)))!;
        Assert.Equal("finetune", marker["created_by"]!.GetValue<string>());
        Assert.Contains("results.json", marker["entries"]!.AsArray().Select(n => n!.GetValue<string>()));
        Assert.DoesNotContain("predictions.tsv", marker["entries"]!.AsArray().Select(n => n!.GetValue<string>()));

        // Another command's folder is not finetune's to replace.
        (code, _, stderr) = Cli.Run("export-onnx", "--model", dir["out"], "--out", dir["onnx"]);
        Assert.True(code == 0, stderr);
        (code, _, stderr) = Cli.Run(Finetune(task, dir["onnx"]));
        Assert.Equal(2, code);
        Assert.Contains("was written by `electra export-onnx`", stderr);
    }

    public static TheoryData<string[]> FolderCommands() => new()
    {
        new[] { "tokenizer", "train", "--corpus", Corpus, "--vocab-size", "200", "--out" },
        new[] { "make-tasks", "--corpus", Corpus, "--passages", "120", "--queries", "10", "--dev", "10", "--overlap-pairs", "30", "--out" },
        new[] { "squad-cloze", "--corpus", Corpus, "--train", "10", "--dev", "5", "--test", "5", "--out" },
        new[] { "data", "--corpus", Corpus, "--tokenizer", TestPaths.Fixture, "--seq", "32", "--out" },
        new[] { "vocab", "extend", "--init-from", TestPaths.Fixture, "--corpus", Corpus, "--extend-vocab", "20", "--out" },
        new[] { "experiment", "--corpus", Corpus, "--tasks", Path.Combine(TestPaths.Tasks, "brown-genre"), "--budget-flops", "3e9", "--seeds", "1", "--batch", "8", "--seq", "32",
            "--vocab-size", "300", "--epochs", "1", "--max-train", "16", "--threads", "1", "--out" },
    };

    [Theory]
    [MemberData(nameof(FolderCommands))]
    public void Commands_that_write_a_folder_refuse_the_users_files_and_replace_only_their_own(string[] command)
    {
        using var dir = new TestPaths.TempDir();
        string name = command[1].StartsWith('-') ? command[0] : $"{command[0]}-{command[1]}";
        string output = dir[name];
        Directory.CreateDirectory(output);
        File.WriteAllText(Path.Combine(output, "vocab.txt"), "my own vocabulary");
        var (code, _, stderr) = Cli.Run([.. command, output]);
        Assert.True(code == 2, $"{name}: exit {code}, expected 2\n{stderr}");
        Assert.Contains($"--out {output} holds files electra did not create (vocab.txt)", stderr);
        Assert.Equal(["vocab.txt"], Listing(output));
        Assert.Equal("my own vocabulary", File.ReadAllText(Path.Combine(output, "vocab.txt")));

        // Its own folder: written, then written again; a file put beside it stays.
        string own = dir[name + "-own"];
        (code, _, stderr) = Cli.Run([.. command, own]);
        Assert.True(code == 0, $"{name}: {stderr}");
        File.WriteAllText(Path.Combine(own, "notes.md"), "keep");
        var before = Listing(own);
        (code, _, stderr) = Cli.Run([.. command, own]);
        Assert.True(code == 0, $"{name} again: {stderr}");
        Assert.Equal("keep", File.ReadAllText(Path.Combine(own, "notes.md")));
        Assert.Equal(before, Listing(own));
    }

    [Fact]
    public void Data_overwrite_writes_beside_the_users_files_but_never_into_another_commands_folder_or_an_input()
    {
        using var dir = new TestPaths.TempDir();
        string[] data = ["data", "--corpus", Corpus, "--tokenizer", TestPaths.Fixture, "--seq", "32", "--overwrite", "--out"];
        Directory.CreateDirectory(dir["mine"]);
        File.WriteAllText(dir["mine/notes.md"], "mine");
        var (code, _, stderr) = Cli.Run([.. data, dir["mine"]]);
        Assert.True(code == 0, stderr);
        Assert.Equal("mine", File.ReadAllText(dir["mine/notes.md"]));
        Assert.True(File.Exists(Path.Combine(dir["mine"], "dataset.json")));

        (code, _, stderr) = Cli.Run("tokenizer", "train", "--corpus", Corpus, "--vocab-size", "200", "--out", dir["tok"]);
        Assert.True(code == 0, stderr);
        var tokenizerFiles = Listing(dir["tok"]);
        (code, _, stderr) = Cli.Run([.. data, dir["tok"]]);
        Assert.Equal(2, code);
        Assert.Contains("was written by `electra tokenizer train`", stderr);
        Assert.Equal(tokenizerFiles, Listing(dir["tok"]));

        (code, _, stderr) = Cli.Run(["data", "--corpus", Corpus, "--tokenizer", dir["tok"], "--overwrite", "--out", dir["tok"]]);
        Assert.Equal(2, code);
        Assert.Contains("is the --tokenizer folder", stderr);
        Assert.Equal(tokenizerFiles, Listing(dir["tok"]));
    }

    [Fact]
    public void An_output_file_that_is_an_input_file_is_refused_before_any_work()
    {
        using var dir = new TestPaths.TempDir();
        File.WriteAllText(dir["texts.txt"], "one line\nanother line\n");
        string vocab = Path.Combine(Discriminator, "vocab.txt");
        foreach (var args in new[]
                 {
                     new[] { "tokenizer", "encode", "--vocab", vocab, "--input", dir["texts.txt"], "--output", dir["texts.txt"] },
                     new[] { "embed", "--model", Discriminator, "--input", dir["texts.txt"], "--output", dir["texts.txt"] },
                     new[] { "predict", "--model", Discriminator, "--input", dir["texts.txt"], "--output", dir["texts.txt"] },
                 })
        {
            var (code, _, stderr) = Cli.Run(args);
            Assert.True(code == 2, $"{args[0]}: {stderr}");
            Assert.Contains($"--output {dir["texts.txt"]} is the --input file", stderr);
            Assert.Equal("one line\nanother line\n", File.ReadAllText(dir["texts.txt"]));
        }
        CopyFolder(Discriminator, dir["model"]);
        string config = File.ReadAllText(Path.Combine(dir["model"], "config.json"));
        var (c, _, e) = Cli.Run("embed", "--model", dir["model"], "--input", dir["texts.txt"], "--output", Path.Combine(dir["model"], "config.json"));
        Assert.Equal(2, c);
        Assert.Contains("is a file of the --model folder", e);
        Assert.Equal(config, File.ReadAllText(Path.Combine(dir["model"], "config.json")));
    }

    [Fact]
    public void A_marker_cannot_make_a_command_remove_anything_outside_its_folder()
    {
        using var dir = new TestPaths.TempDir();
        File.WriteAllText(dir["precious.txt"], "mine");
        Directory.CreateDirectory(dir["out"]);
        File.WriteAllText(Path.Combine(dir["out"], OutputFolder.MarkerFile), """{"created_by": "finetune", "entries": ["../precious.txt", "old.json"]}""");
        File.WriteAllText(Path.Combine(dir["out"], "old.json"), "{}");
        OutputFolder.Check(dir["out"], "finetune", "--out");
        OutputFolder.Commit(dir["out"], "finetune", staging => File.WriteAllText(Path.Combine(staging, "results.json"), "{}"));
        Assert.Equal("mine", File.ReadAllText(dir["precious.txt"]));
        Assert.Equal([OutputFolder.MarkerFile, "results.json"], Listing(dir["out"]));
    }

    static void CopyFolder(string from, string to)
    {
        Directory.CreateDirectory(to);
        foreach (string file in Directory.GetFiles(from)) File.Copy(file, Path.Combine(to, Path.GetFileName(file)));
    }
}
