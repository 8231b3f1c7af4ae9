using System.Text.Json;
using Electra.Tokenization;

namespace Electra.Tests;

/// <summary>The command contracts users script against.</summary>
public class CliTests
{
    [Fact]
    public void Tokenizer_train_then_encode_writes_one_id_array_per_line()
    {
        using var dir = new TestPaths.TempDir();
        var (code, _, stderr) = Cli.Run("tokenizer", "train", "--corpus", Path.Combine(TestPaths.Pretrain, "moby-dick.txt"), "--vocab-size", "500", "--out", dir["tok"]);
        Assert.True(code == 0, stderr);
        Assert.True(File.Exists(Path.Combine(dir["tok"], "vocab.txt")) && File.Exists(Path.Combine(dir["tok"], "tokenizer_config.json")));

        string[] lines = { "Call me Ishmael.", "Some years ago—never mind how long precisely—having little money", "" };
        File.WriteAllLines(dir["in.txt"], lines);
        (code, _, stderr) = Cli.Run("tokenizer", "encode", "--vocab", dir["tok"], "--input", dir["in.txt"], "--output", dir["out.jsonl"]);
        Assert.True(code == 0, stderr);
        var tokenizer = WordPieceTokenizer.Load(dir["tok"]);
        var written = File.ReadAllLines(dir["out.jsonl"]).Select(l => JsonSerializer.Deserialize<int[]>(l)!).ToList();
        Assert.Equal(lines.Length, written.Count);
        for (int i = 0; i < lines.Length; i++)
            Assert.Equal(tokenizer.Encode(lines[i]).Ids, written[i]);
        Assert.Equal(new[] { tokenizer.ClsId, tokenizer.SepId }, written[2]);
    }

    [Fact]
    public void Tokenizer_encode_warns_about_repeated_vocabulary_lines()
    {
        using var dir = new TestPaths.TempDir();
        File.WriteAllText(dir["vocab.txt"], "[PAD]\n[UNK]\n[CLS]\n[SEP]\n[MASK]\nwhale\nship\nwhale\n");
        File.WriteAllText(dir["in.txt"], "whale ship\n");
        var (code, _, stderr) = Cli.Run("tokenizer", "encode", "--vocab", dir["vocab.txt"], "--input", dir["in.txt"], "--output", dir["out.jsonl"]);
        Assert.True(code == 0, stderr);
        Assert.Contains("1 token is listed more than once (\"whale\")", stderr);
    }

    [Fact]
    public void Bad_input_and_usage_errors_name_the_culprit()
    {
        using var dir = new TestPaths.TempDir();
        var (code, _, stderr) = Cli.Run("pretrain", "--corpus", dir["missing.txt"], "--out", dir["run"], "--steps", "1");
        Assert.Equal(1, code);
        Assert.Contains("missing.txt", stderr);

        (code, _, stderr) = Cli.Run("pretrain", "--out", dir["run"], "--stpes", "1");
        Assert.Equal(2, code);
        Assert.Contains("unknown option --stpes", stderr);

        (code, _, stderr) = Cli.Run("pretrain", "--out", dir["run"], "--preset", "huge");
        Assert.Equal(2, code);
        Assert.Contains("unknown preset 'huge'", stderr);

        (code, _, stderr) = Cli.Run("pretrain", "--out", dir["run"], "--sharing", "tied");
        Assert.Equal(2, code);
        Assert.Contains("--sharing expects shared, none or gdes, got 'tied'", stderr);

        // The experiment checks its pre-training options before it writes anything.
        (code, _, stderr) = Cli.Run("experiment", "--corpus", TestPaths.Pretrain, "--tasks", dir.Path, "--out", dir["exp"], "--generator-fraction", "0");
        Assert.Equal(2, code);
        Assert.Contains("generator fraction must be in (0, 1] (got 0)", stderr);
        Assert.False(Directory.Exists(dir["exp"]), "the rejected experiment wrote output");
        (code, _, stderr) = Cli.Run("experiment", "--corpus", TestPaths.Pretrain, "--tasks", dir.Path, "--out", dir["exp"], "--mask-prob", "1");
        Assert.Equal(2, code);
        Assert.Contains("mask probability must be in (0, 1) (got 1)", stderr);
        Assert.False(Directory.Exists(dir["exp"]), "the rejected experiment wrote output");

        File.WriteAllBytes(dir["binary.txt"], new byte[] { 0x48, 0x69, 0x00, 0xff, 0xfe, 0x0a });
        (code, _, stderr) = Cli.Run("pretrain", "--corpus", dir["binary.txt"], "--out", dir["run2"], "--steps", "1");
        Assert.Equal(1, code);
        Assert.Contains("binary.txt", stderr);
    }

    public static TheoryData<string> Commands => new()
    {
        "quickstart", "pretrain", "data", "tokenizer train", "tokenizer encode", "logits", "corpus fetch", "finetune", "predict", "experiment",
    };

    [Theory]
    [MemberData(nameof(Commands))]
    public void Help_lists_every_option_with_a_description(string command)
    {
        var (code, stdout, stderr) = Cli.Run([.. command.Split(' '), "--help"]);
        Assert.True(code == 0, stderr);
        Assert.Contains($"electra {command} [options]", stdout);
        var rows = stdout.Split('\n').SkipWhile(l => l != "Options:").Skip(1).TakeWhile(l => l.Length > 0).ToList();
        Assert.Contains(rows, r => r.TrimStart().StartsWith("--threads <N>", StringComparison.Ordinal));
        // Each row is "  --name <VALUE>  description [default: …]": two columns, the second never empty.
        Assert.All(rows, r => Assert.Matches(@"^  \S.*\S {2,}\S", r));
    }

    [Fact]
    public void Help_shows_each_commands_own_defaults_and_the_command_list()
    {
        var (code, stdout, stderr) = Cli.Run("--help");
        Assert.Equal(0, code);
        foreach (string command in new[] { "quickstart", "pretrain", "data", "tokenizer", "logits", "corpus", "finetune", "predict", "experiment" })
            Assert.Matches($@"(?m)^  {command} +\S", stdout);

        (_, stdout, _) = Cli.Run("pretrain", "--help");
        Assert.Matches(@"--preset <tiny\|small\|base\|large> +.*\[default: small\]", stdout);
        Assert.Matches(@"--steps <N> +.*\[default: 1000000\]", stdout);
        Assert.Matches(@"--out <DIR> +run folder: .*\(required unless --print-config\)", stdout);
        (_, stdout, _) = Cli.Run("quickstart", "--help");
        Assert.Matches(@"--preset <tiny\|small\|base\|large> +.*\[default: tiny\]", stdout);
        Assert.Matches(@"--steps <N> +.*\[default: 400\]", stdout);
        Assert.Matches(@"--out <DIR> +.*\[default: runs/quickstart\]", stdout);
        (_, stdout, _) = Cli.Run("finetune", "--help");
        Assert.Matches(@"--contrastive-temperature\b.*<X> +retrieval tasks: temperature", stdout); // renamed; --temperature is pretrain's sampling temperature

        (code, _, stderr) = Cli.Run();
        Assert.Equal(2, code); // a bare `electra` is a usage error that shows the help
        (code, _, stderr) = Cli.Run("pretrian");
        Assert.Equal(2, code);
        Assert.Contains("unknown command 'pretrian'", stderr);
        (code, _, stderr) = Cli.Run("finetune", "--model", "m", "--task", "t", "--out", "o", "--epochs", "two");
        Assert.Equal(2, code);
        Assert.Contains("--epochs expects an integer >= 1, got 'two'", stderr);
        (code, _, stderr) = Cli.Run("tokenizer", "encode", "--vocab", "v", "--input", "i", "--output", "o", "--threads", "0");
        Assert.Equal(2, code);
        Assert.Contains("--threads expects an integer >= 1, got '0'", stderr);
    }
}
