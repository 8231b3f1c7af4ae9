using System.Globalization;
using System.Text.Json;

namespace Electra.Tests.Retrieval;

public class RetrievalCliTests
{
    static string Discriminator => Path.Combine(TestPaths.Fixture, "discriminator");

    /// <summary>A corpus over the fixture vocabulary: 12 documents of 30 sentences of 6–9 words.</summary>
    static string Corpus(string path)
    {
        var rng = new Random(1);
        var lines = new List<string>();
        for (int d = 0; d < 12; d++)
        {
            for (int s = 0; s < 30; s++) lines.Add(string.Join(' ', Enumerable.Range(0, rng.Next(6, 10)).Select(_ => $"w{rng.Next(100, 200)}")) + " .");
            lines.Add("");
        }
        File.WriteAllLines(path, lines);
        return path;
    }

    static (int Code, string Stdout, string Stderr) Ok(params string[] args)
    {
        var r = Cli.Run(args.Append("--threads").Append("1").ToArray());
        Assert.True(r.ExitCode == 0, $"electra {string.Join(' ', args)}: {r.Stderr}");
        return r;
    }

    [Fact]
    public void Make_tasks_then_bi_encoder_embed_search_and_rerank_end_to_end()
    {
        using var dir = new TestPaths.TempDir();
        string tasks = dir["tasks"];
        var (_, stdout, _) = Ok("make-tasks", "--corpus", Corpus(dir["corpus.txt"]), "--out", tasks, "--passages", "70", "--queries", "20", "--dev", "20", "--overlap-pairs", "60");
        Assert.Contains("sentence-search/queries.tsv: 20", stdout);
        Assert.Equal("query\tpositive", File.ReadLines(Path.Combine(tasks, "sentence-pairs/train.tsv")).First());
        Assert.Equal(31, File.ReadAllLines(Path.Combine(tasks, "sentence-pairs/train.tsv")).Length); // 70 − 20 − 20 pairs + header

        // finetune's --temperature was renamed --contrastive-temperature: the old name still works, with a warning.
        (_, stdout, var stderr) = Ok("finetune", "--model", Discriminator, "--task", Path.Combine(tasks, "sentence-pairs"), "--out", dir["bi"],
            "--epochs", "1", "--batch", "8", "--max-length", "64", "--temperature", "0.1");
        Assert.Contains("dev  MRR@10 ", stdout);
        Assert.Contains("warning: --temperature is now --contrastive-temperature", stderr);
        Assert.True(File.Exists(dir["bi/1_Pooling/config.json"]));

        string search = Path.Combine(tasks, "sentence-search");
        Ok("embed", "--model", dir["bi"], "--input", Path.Combine(search, "docs.jsonl"), "--output", dir["vectors.jsonl"], "--batch", "16");
        var vectors = File.ReadAllLines(dir["vectors.jsonl"]);
        Assert.Equal(File.ReadAllLines(Path.Combine(search, "docs.jsonl")).Length, vectors.Length);
        var first = JsonDocument.Parse(vectors[0]).RootElement;
        Assert.Equal(JsonDocument.Parse(File.ReadLines(Path.Combine(search, "docs.jsonl")).First()).RootElement.GetProperty("id").GetString(), first.GetProperty("id").GetString());
        Assert.Equal(64, first.GetProperty("vector").GetArrayLength());

        // Searching the precomputed vectors and the texts gives the same run.
        string[] common = { "--model", dir["bi"], "--queries", Path.Combine(search, "queries.tsv"), "--qrels", Path.Combine(search, "qrels.tsv"), "--k", "5" };
        Ok(new[] { "search", "--index", dir["vectors.jsonl"], "--output", dir["run-vectors.tsv"] }.Concat(common).ToArray());
        (_, stdout, _) = Ok(new[] { "search", "--index", Path.Combine(search, "docs.jsonl"), "--output", dir["run.tsv"] }.Concat(common).ToArray());
        Assert.Equal(File.ReadAllLines(dir["run.tsv"]).Select(l => string.Join('\t', l.Split('\t').Take(4))), File.ReadAllLines(dir["run-vectors.tsv"]).Select(l => string.Join('\t', l.Split('\t').Take(4))));
        Assert.Contains("metrics MRR@10 ", stdout);
        var run = File.ReadAllLines(dir["run.tsv"]);
        Assert.Equal(20 * 5, run.Length);
        var fields = run[0].Split('\t');
        Assert.Equal(new[] { "q1", "Q0" }, fields[..2]);
        Assert.Equal("1", fields[3]);
        Assert.Equal("electra", fields[5]);
        var metrics = JsonDocument.Parse(File.ReadAllText(dir["run.metrics.json"])).RootElement;
        Assert.Equal(20, metrics.GetProperty("queries").GetInt32());
        Assert.InRange(metrics.GetProperty("mrr_at_10").GetDouble(), 0, 1);

        // A cross-encoder fine-tuned on the re-rank pairs re-orders each query's top 5.
        Ok("finetune", "--model", Discriminator, "--task", Path.Combine(tasks, "sentence-rerank"), "--out", dir["cross"], "--epochs", "1", "--max-length", "64");
        (_, stdout, _) = Ok(new[] { "search", "--index", Path.Combine(search, "docs.jsonl"), "--output", dir["rerank.tsv"], "--rerank", dir["cross"] }.Concat(common).ToArray());
        Assert.Contains("re-ranked by", stdout);
        var reranked = File.ReadAllLines(dir["rerank.tsv"]);
        Assert.Equal(run.Length, reranked.Length);
        Assert.All(reranked, l => Assert.Equal("electra-rerank", l.Split('\t')[5]));
        // Same candidates per query, scores in descending order.
        foreach (var group in reranked.Select(l => l.Split('\t')).GroupBy(f => f[0]))
        {
            Assert.Equal(run.Select(l => l.Split('\t')).Where(f => f[0] == group.Key).Select(f => f[2]).Order(), group.Select(f => f[2]).Order());
            var scores = group.Select(f => double.Parse(f[4], CultureInfo.InvariantCulture)).ToList();
            Assert.Equal(scores.OrderDescending(), scores);
        }
    }

    [Fact]
    public void Regression_finetune_then_predict_writes_values_and_prints_correlations()
    {
        using var dir = new TestPaths.TempDir();
        Ok("make-tasks", "--corpus", Corpus(dir["corpus.txt"]), "--out", dir["tasks"], "--passages", "70", "--queries", "20", "--dev", "20", "--overlap-pairs", "60");
        string task = Path.Combine(dir["tasks"], "word-overlap");
        var (_, stdout, _) = Ok("finetune", "--model", Discriminator, "--task", task, "--out", dir["out"], "--epochs", "1", "--max-length", "64");
        Assert.Contains("dev  pearson ", stdout);
        var results = JsonDocument.Parse(File.ReadAllText(dir["out/results.json"])).RootElement;
        Assert.Equal("regression", results.GetProperty("kind").GetString());
        Assert.Equal("pearson", results.GetProperty("test").GetProperty("metric").GetString());

        (_, stdout, _) = Ok("predict", "--model", dir["out"], "--input", Path.Combine(task, "test.tsv"), "--output", dir["pred.tsv"]);
        double spearman = results.GetProperty("test").GetProperty("spearman").GetDouble();
        Assert.Contains(FormattableString.Invariant($"spearman {spearman:F4}"), stdout);
        var lines = File.ReadAllLines(dir["pred.tsv"]);
        Assert.Equal("text\ttext_b\tlabel\tprediction", lines[0]);
        Assert.All(lines.Skip(1), l => double.Parse(l.Split('\t')[3], CultureInfo.InvariantCulture));
    }

    [Fact]
    public void Bad_search_and_embed_input_is_refused_before_any_output()
    {
        using var dir = new TestPaths.TempDir();
        File.WriteAllText(dir["docs.jsonl"], "{\"id\": \"a\", \"text\": \"w100 w101\"}\n{\"id\": \"b\", \"vector\": [1, 2]}\n");
        File.WriteAllText(dir["q.tsv"], "q1\tw100\n");
        File.WriteAllText(dir["qrels.tsv"], "q1 0 a 1\nq1 a 1\n");
        var (code, _, stderr) = Cli.Run("search", "--model", Discriminator, "--index", dir["docs.jsonl"], "--queries", dir["q.tsv"], "--qrels", dir["qrels.tsv"], "--output", dir["run.tsv"]);
        Assert.Equal(1, code);
        Assert.Contains("qrels.tsv:2: expected 'qid 0 docid relevance'", stderr);
        (code, _, stderr) = Cli.Run("search", "--model", Discriminator, "--index", dir["docs.jsonl"], "--queries", dir["q.tsv"], "--output", dir["run.tsv"], "--rerank", Discriminator);
        Assert.Equal(1, code);
        Assert.Contains("docs.jsonl:2: document 'b' has no \"text\", which --rerank needs", stderr);
        (code, _, stderr) = Cli.Run("search", "--model", Discriminator, "--index", dir["docs.jsonl"], "--queries", dir["q.tsv"], "--output", dir["run.tsv"]);
        Assert.Equal(1, code);
        Assert.Contains("docs.jsonl:2: document 'b' has a vector of 2 values but", stderr);
        Assert.False(File.Exists(dir["run.tsv"]));
        (code, _, stderr) = Cli.Run("embed", "--model", Discriminator, "--input", dir["q.tsv"], "--output", dir["v.jsonl"], "--pooling", "max");
        Assert.Equal(2, code);
        Assert.Contains("--pooling expects 'mean' or 'cls'", stderr);
    }
}
