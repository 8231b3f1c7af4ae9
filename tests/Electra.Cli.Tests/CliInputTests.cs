using System.Diagnostics;

namespace Electra.Tests;

/// <summary>The files every <see cref="CliInputTests"/> case reads: binary, empty and out-of-range inputs, made once.</summary>
public sealed class BadInputs : IDisposable
{
    readonly TestPaths.TempDir dir = new();

    public BadInputs()
    {
        foreach (string name in new[] { "binary.txt", "binary.tsv", "binary.json", "binary.jsonl" }) File.WriteAllBytes(dir[name], InvalidInputs.BinaryBytes());
        foreach (string name in new[] { "empty.txt", "empty.tsv", "empty.json", "empty.jsonl" }) File.WriteAllText(dir[name], "");
        File.WriteAllText(dir["types7.json"], "{\"batches\": [{\"input_ids\": [[2, 5, 6, 3]], \"token_type_ids\": [[0, 7, 0, 0]]}]}");
        File.WriteAllText(dir["texts.txt"], "w100 w101\n");
        File.WriteAllText(dir["queries.tsv"], "q1\tw100 w101\n");
        File.WriteAllText(dir["docs.jsonl"], "{\"id\": 1, \"text\": \"w100\"}\n");
        foreach (string task in new[] { "binary-task", "empty-task" })
        {
            SyntheticTasks.Sequence(dir[task], train: 8, dev: 4);
            File.Copy(dir[task.Replace("-task", ".tsv")], Path.Combine(dir[task], "train.tsv"), overwrite: true);
        }
        SyntheticTasks.Sequence(dir["task"], train: 8, dev: 4);
        Directory.CreateDirectory(dir["regression-task"]); // decimal labels and one word: not a 5-class task
        File.WriteAllLines(dir["regression-task/train.tsv"], ["text\tlabel", "w100 w101\t0.5", "w102\t1.5", "w103\thigh", "w104 w105\t2.0", "w106\t3.5"]);
        File.WriteAllLines(dir["regression-task/dev.tsv"], ["text\tlabel", "w100\t0.5", "w101\t1.5"]);
        InvalidInputs.HugeModel(dir["huge"]);
        InvalidInputs.ModelWithConfig(dir["binary-model"], _ => { }); // a model folder whose config.json is binary
        File.WriteAllBytes(dir["binary-model/config.json"], InvalidInputs.BinaryBytes());
        Directory.CreateDirectory(dir["binary-vocab"]); // a tokenizer folder whose vocab.txt is binary
        File.WriteAllBytes(dir["binary-vocab/vocab.txt"], InvalidInputs.BinaryBytes());
    }

    /// <summary>A path in the inputs' folder (new names are where a case writes).</summary>
    public string this[string name] => dir[name];

    public void Dispose() => dir.Dispose();
}

/// <summary>
/// Every command's input options fed a binary file, an empty file and out-of-range values: each ends with exit 1 (bad
/// input) or 2 (usage), a message naming the file or option, no stack trace, no native abort, and no raw input bytes
/// echoed to the terminal.
/// </summary>
public class CliInputTests(BadInputs inputs) : IClassFixture<BadInputs>
{
    static string Fixture(string part) => Path.Combine(TestPaths.Fixture, part);

    /// <summary>Case name, expected exit code, the text the message must hold ({name} = a path in <see cref="BadInputs"/>), then the arguments.</summary>
    public static TheoryData<string, int, string, string[]> Cases() => new()
    {
        { "pretrain binary corpus", 1, "{binary.txt}:", ["pretrain", "--corpus", "{binary.txt}", "--out", "{out}", "--steps", "2"] },
        { "pretrain empty corpus", 1, "{empty.txt}", ["pretrain", "--corpus", "{empty.txt}", "--out", "{out}", "--steps", "2"] },
        { "pretrain binary config", 2, "--config: {binary.json}:2: invalid UTF-8", ["pretrain", "--config", "{binary.json}", "--out", "{out}"] },
        { "pretrain option typo after corpus", 2, "unknown option --stpes", ["pretrain", "--corpus", "{texts.txt}", "--stpes", "5", "--out", "{out}"] },
        { "pretrain steps out of range", 2, "--steps", ["pretrain", "--corpus", "{texts.txt}", "--steps", "-1", "--out", "{out}"] },
        { "data binary corpus", 1, "{binary.txt}:", ["data", "--corpus", "{binary.txt}", "--tokenizer", "@fixture", "--out", "{out}"] },
        { "tokenizer train binary corpus", 1, "{binary.txt}:", ["tokenizer", "train", "--corpus", "{binary.txt}", "--vocab-size", "100", "--out", "{out}"] },
        { "tokenizer encode binary input", 1, "{binary.txt}:", ["tokenizer", "encode", "--vocab", "@fixture/vocab.txt", "--input", "{binary.txt}", "--output", "{out}"] },
        { "tokenizer encode binary vocab", 1, "{binary.txt}:", ["tokenizer", "encode", "--vocab", "{binary.txt}", "--input", "{texts.txt}", "--output", "{out}"] },
        { "logits binary input", 1, "{binary.json}:2: invalid UTF-8", ["logits", "--discriminator", "@fixture/discriminator", "--input", "{binary.json}", "--output", "{out}"] },
        { "logits empty input", 1, "{empty.json}", ["logits", "--discriminator", "@fixture/discriminator", "--input", "{empty.json}", "--output", "{out}"] },
        { "logits token type 7", 1, "{types7.json}: batches[0].token_type_ids holds 7", ["logits", "--discriminator", "@fixture/discriminator", "--input", "{types7.json}", "--output", "{out}"] },
        { "logits huge config", 1, "{huge}/config.json: this model needs about", ["logits", "--discriminator", "{huge}", "--input", "{types7.json}", "--output", "{out}"] },
        { "export-onnx huge config", 1, "{huge}/config.json: this model needs about", ["export-onnx", "--model", "{huge}", "--out", "{out}"] },
        { "finetune binary train.tsv", 1, "{binary-task}/train.tsv:2: invalid UTF-8", ["finetune", "--model", "@fixture/discriminator", "--task", "{binary-task}", "--out", "{out}"] },
        { "finetune empty train.tsv", 1, "{empty-task}/train.tsv", ["finetune", "--model", "@fixture/discriminator", "--task", "{empty-task}", "--out", "{out}"] },
        { "finetune regression label high", 1, "{regression-task}/train.tsv:4: label 'high' is not a number", ["finetune", "--model", "@fixture/discriminator", "--task", "{regression-task}", "--out", "{out}"] },
        { "finetune huge config", 1, "{huge}/config.json: this model needs about", ["finetune", "--model", "{huge}", "--task", "{task}", "--out", "{out}"] },
        { "finetune max length beyond positions", 2, "max length 4096 exceeds the model's max_position_embeddings 128", ["finetune", "--model", "@fixture/discriminator", "--task", "{task}", "--out", "{out}", "--max-length", "4096"] },
        { "predict binary tsv", 1, "{binary.tsv}:2: invalid UTF-8", ["predict", "--model", "@fixture/discriminator", "--input", "{binary.tsv}", "--output", "{out}"] },
        { "predict empty tsv", 1, "{empty.tsv}:1: header ''", ["predict", "--model", "@fixture/discriminator", "--input", "{empty.tsv}", "--output", "{out}"] },
        { "predict binary squad json", 1, "{binary.json}:2: invalid UTF-8", ["predict", "--model", "@fixture/discriminator", "--input", "{binary.json}", "--output", "{out}"] },
        { "predict huge config", 1, "{huge}/config.json: this model needs about", ["predict", "--model", "{huge}", "--input", "{task}/dev.tsv", "--output", "{out}"] },
        { "predict batch out of range", 2, "--batch", ["predict", "--model", "@fixture/discriminator", "--input", "{task}/dev.tsv", "--output", "{out}", "--batch", "0"] },
        { "embed binary input", 1, "{binary.txt}:2: invalid UTF-8", ["embed", "--model", "@fixture/discriminator", "--input", "{binary.txt}", "--output", "{out}"] },
        { "embed empty input", 1, "{empty.txt}: no texts", ["embed", "--model", "@fixture/discriminator", "--input", "{empty.txt}", "--output", "{out}"] },
        { "embed huge config", 1, "{huge}/config.json: this model needs about", ["embed", "--model", "{huge}", "--input", "{texts.txt}", "--output", "{out}"] },
        { "embed max length out of range", 2, "--max-length", ["embed", "--model", "@fixture/discriminator", "--input", "{texts.txt}", "--output", "{out}", "--max-length", "2"] },
        { "search binary index", 1, "{binary.jsonl}:1: not valid JSON", ["search", "--model", "@fixture/discriminator", "--index", "{binary.jsonl}", "--queries", "{queries.tsv}", "--output", "{out}"] },
        { "search binary queries", 1, "{binary.tsv}:2: invalid UTF-8", ["search", "--model", "@fixture/discriminator", "--index", "{docs.jsonl}", "--queries", "{binary.tsv}", "--output", "{out}"] },
        { "search empty queries", 1, "{empty.tsv}: no queries", ["search", "--model", "@fixture/discriminator", "--index", "{docs.jsonl}", "--queries", "{empty.tsv}", "--output", "{out}"] },
        { "squad-cloze binary corpus", 1, "{binary.txt}:", ["squad-cloze", "--corpus", "{binary.txt}", "--out", "{out}"] },
        { "make-tasks binary corpus", 1, "{binary.txt}:", ["make-tasks", "--corpus", "{binary.txt}", "--out", "{out}"] },
        { "pretrain binary tokenizer vocab", 1, "{binary-vocab}/vocab.txt", ["pretrain", "--corpus", "{texts.txt}", "--tokenizer", "{binary-vocab}", "--out", "{out}", "--steps", "2"] },
        { "pretrain binary add-tokens", 2, "--add-tokens {binary.txt}:1:", ["pretrain", "--corpus", "{texts.txt}", "--init-from", "@fixture", "--add-tokens", "{binary.txt}", "--out", "{out}", "--steps", "2"] },
        { "data binary tokenizer vocab", 1, "{binary-vocab}/vocab.txt", ["data", "--corpus", "{texts.txt}", "--tokenizer", "{binary-vocab}", "--out", "{out}"] },
        { "data empty corpus", 1, "{empty.txt}", ["data", "--corpus", "{empty.txt}", "--tokenizer", "@fixture", "--out", "{out}"] },
        { "tokenizer train empty corpus", 1, "{empty.txt}", ["tokenizer", "train", "--corpus", "{empty.txt}", "--vocab-size", "100", "--out", "{out}"] },
        { "logits binary generator config", 1, "{binary-model}/config.json", ["logits", "--generator", "{binary-model}", "--input", "{types7.json}", "--output", "{out}"] },
        { "finetune binary model config", 1, "{binary-model}/config.json", ["finetune", "--model", "{binary-model}", "--task", "{task}", "--out", "{out}"] },
        { "predict binary model config", 1, "{binary-model}/config.json", ["predict", "--model", "{binary-model}", "--input", "{task}/dev.tsv", "--output", "{out}"] },
        { "embed binary model config", 1, "{binary-model}/config.json", ["embed", "--model", "{binary-model}", "--input", "{texts.txt}", "--output", "{out}"] },
        { "export-onnx binary model config", 1, "{binary-model}/config.json", ["export-onnx", "--model", "{binary-model}", "--out", "{out}"] },
        { "search binary qrels", 1, "{binary.tsv}", ["search", "--model", "@fixture/discriminator", "--index", "{docs.jsonl}", "--queries", "{queries.tsv}", "--qrels", "{binary.tsv}", "--output", "{out}"] },
        { "search binary rerank config", 1, "{binary-model}/config.json", ["search", "--model", "@fixture/discriminator", "--index", "{docs.jsonl}", "--queries", "{queries.tsv}", "--rerank", "{binary-model}", "--output", "{out}"] },
        { "vocab extend binary corpus", 1, "{binary.txt}", ["vocab", "extend", "--init-from", "@fixture", "--corpus", "{binary.txt}", "--extend-vocab", "5", "--out", "{out}"] },
        { "vocab extend binary add-tokens", 2, "--add-tokens {binary.txt}:1:", ["vocab", "extend", "--init-from", "@fixture", "--corpus", "{texts.txt}", "--add-tokens", "{binary.txt}", "--out", "{out}"] },
        { "vocab extend steps out of range", 2, "--extend-vocab", ["vocab", "extend", "--init-from", "@fixture", "--corpus", "{texts.txt}", "--extend-vocab", "-1", "--out", "{out}"] },
        { "experiment binary corpus", 1, "{binary.txt}", ["experiment", "--corpus", "{binary.txt}", "--tasks", "{task}", "--out", "{out}"] },
        { "experiment binary task", 1, "{binary-task}/train.tsv:2: invalid UTF-8", ["experiment", "--corpus", "{texts.txt}", "--tasks", "{binary-task}", "--out", "{out}"] },
        { "experiment empty task", 1, "{empty-task}/train.tsv", ["experiment", "--corpus", "{texts.txt}", "--tasks", "{empty-task}", "--out", "{out}"] },
        { "corpus task binary corpus", 1, "{binary.txt}:", ["corpus", "task", "--corpus", "{binary.txt}", "{texts.txt}", "--out", "{out}"] },
    };

    string Expand(string text, string output) =>
        System.Text.RegularExpressions.Regex.Replace(text.Replace("@fixture", TestPaths.Fixture).Replace("{out}", output), @"\{([^}]+)\}", m => inputs[m.Groups[1].Value]);

    [Theory]
    [MemberData(nameof(Cases))]
    public void Bad_input_ends_with_a_named_error_and_no_crash(string name, int exitCode, string message, string[] args)
    {
        using var output = new TestPaths.TempDir();
        var (code, stdout, stderr) = Cli.Run([.. args.Select(a => Expand(a, output["out"])), "--threads", "1"]);
        Assert.True(code == exitCode, $"{name}: exit {code}, expected {exitCode}\n{stderr}");
        Assert.Contains(Expand(message, output["out"]), stderr);
        string all = stdout + stderr;
        Assert.DoesNotContain("   at ", all); // a .NET stack trace
        Assert.DoesNotContain("Unhandled exception", all);
        Assert.DoesNotContain("terminate called", all); // a libtorch abort
        Assert.DoesNotContain('\uFFFD', all); // undecodable input echoed
        Assert.False(all.Any(c => char.IsControl(c) && c is not ('\n' or '\r' or '\t')), $"{name}: control characters in the output");
    }

    [Fact]
    public void Runtime_onnx_on_an_hf_folder_names_the_export_command_that_works()
    {
        using var dir = new TestPaths.TempDir();
        var (code, _, stderr) = Cli.Run("logits", "--runtime", "onnx", "--discriminator", Fixture("discriminator"), "--input", inputs["types7.json"], "--output", dir["out.json"]);
        Assert.Equal(1, code);
        string export = Fixture("discriminator") + "-onnx";
        Assert.Contains($"export it with `electra export-onnx --model {Fixture("discriminator")} --out {export}` and pass {export}", stderr);
    }

    [Fact]
    public void Token_types_out_of_range_on_onnx_runtime_are_named_without_a_crash()
    {
        using var dir = new TestPaths.TempDir();
        var (code, _, stderr) = Cli.Run("export-onnx", "--model", Fixture("discriminator"), "--out", dir["onnx"]);
        Assert.True(code == 0, stderr);
        (code, _, stderr) = Cli.Run("logits", "--runtime", "onnx", "--discriminator", dir["onnx"], "--input", inputs["types7.json"], "--output", dir["out.json"]);
        Assert.True(code == 1, $"exit {code}, expected 1\n{stderr}");
        Assert.Contains($"{inputs["types7.json"]}: batches[0].token_type_ids holds 7, outside the segment types (type_vocab_size) [0, 2)", stderr);
        Assert.DoesNotContain("   at ", stderr);
    }

    [Fact]
    public void A_default_max_length_is_capped_at_the_models_positions_and_an_explicit_one_beyond_them_is_a_usage_error()
    {
        using var dir = new TestPaths.TempDir();
        string model = InvalidInputs.ModelWithConfig(dir["model96"], c => c["max_position_embeddings"] = 96);
        string task = SyntheticTasks.Sequence(dir["task"], train: 16, dev: 8);
        var (code, _, stderr) = Cli.Run("finetune", "--model", model, "--task", task, "--out", dir["ft"], "--init", "random", "--epochs", "1", "--threads", "1");
        Assert.True(code == 0, stderr);

        (code, _, stderr) = Cli.Run("finetune", "--model", model, "--task", task, "--out", dir["ft2"], "--init", "random", "--epochs", "1", "--max-length", "128");
        Assert.Equal(2, code);
        Assert.Contains("max length 128 exceeds the model's max_position_embeddings 96", stderr);

        (code, _, stderr) = Cli.Run("predict", "--model", dir["ft"], "--input", Path.Combine(task, "dev.tsv"), "--output", dir["p.tsv"], "--threads", "1");
        Assert.True(code == 0, stderr);
        (code, _, stderr) = Cli.Run("predict", "--model", dir["ft"], "--input", Path.Combine(task, "dev.tsv"), "--output", dir["p2.tsv"], "--max-length", "128");
        Assert.Equal(2, code);
        Assert.Contains("--max-length 128 exceeds the model's max_position_embeddings 96", stderr);
    }

    [Theory]
    [InlineData("classification")]
    [InlineData("question answering")]
    public async Task Finetune_stopped_by_sigterm_says_so_and_exits_130(string kind)
    {
        using var dir = new TestPaths.TempDir();
        string task = kind == "classification"
            ? SyntheticTasks.Sequence(dir["task"], train: 4000, dev: 8)
            : SyntheticTasks.Squad(dir["task"], train: 4000, eval: 8);
        var psi = new ProcessStartInfo("dotnet") { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        foreach (string a in new[] { TestPaths.CliDll, "finetune", "--model", Fixture("discriminator"), "--task", task, "--out", dir["out"], "--epochs", "50", "--threads", "1" })
            psi.ArgumentList.Add(a);
        using var process = Process.Start(psi)!;
        try
        {
            var stderr = process.StandardError.ReadToEndAsync();
            // "fine-tuning MODEL on TASK": the signal handlers are about to be set up
            for (string? line = await process.StandardOutput.ReadLineAsync(); line is not null && !line.StartsWith("fine-tuning", StringComparison.Ordinal); line = await process.StandardOutput.ReadLineAsync()) { }
            var stdout = process.StandardOutput.ReadToEndAsync();
            await Task.Delay(2000);
            using (var kill = Process.Start("kill", ["-TERM", process.Id.ToString(System.Globalization.CultureInfo.InvariantCulture)])) await kill.WaitForExitAsync();
            using (var timeout = new CancellationTokenSource(TimeSpan.FromMinutes(2))) await process.WaitForExitAsync(timeout.Token);
            string errors = await stderr;
            Assert.True(process.ExitCode == 130, $"{kind}: exit {process.ExitCode}, expected 130\n{errors}");
            Assert.Contains("SIGTERM: fine-tuning stops at the end of this step", errors);
            Assert.Contains("stopped by SIGTERM", errors);
            await stdout;
            Assert.False(File.Exists(Path.Combine(dir["out"], "model.safetensors")));
        }
        finally
        {
            if (!process.HasExited) process.Kill(entireProcessTree: true);
        }
    }

    [Fact]
    public async Task Corpus_fetch_from_an_unreachable_registry_shows_progress_and_npms_reason()
    {
        using var dir = new TestPaths.TempDir();
        var psi = new ProcessStartInfo("dotnet") { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        foreach (string a in new[] { TestPaths.CliDll, "corpus", "fetch", "--out", dir["corpus"] }) psi.ArgumentList.Add(a);
        psi.Environment["npm_config_registry"] = "http://127.0.0.1:1/";
        psi.Environment["npm_config_fetch_retries"] = "0";
        using var process = Process.Start(psi)!;
        var stderr = process.StandardError.ReadToEndAsync();
        var stdout = process.StandardOutput.ReadToEndAsync();
        using (var timeout = new CancellationTokenSource(TimeSpan.FromMinutes(3))) await process.WaitForExitAsync(timeout.Token);
        Assert.Equal(1, process.ExitCode);
        // npm's reason ("connect ECONNREFUSED 127.0.0.1:1"), or HttpClient's where npm is not installed
        string errors = await stderr;
        Assert.Contains("electra corpus: ", errors);
        Assert.Contains("127.0.0.1:1", errors);
        Assert.Contains("refused", errors, StringComparison.OrdinalIgnoreCase);
        Assert.DoesNotContain("failed (exit code 1): ;", errors);
        await stdout;
        Assert.False(Directory.Exists(dir["corpus"]));
    }
}
