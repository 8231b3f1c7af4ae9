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
}
