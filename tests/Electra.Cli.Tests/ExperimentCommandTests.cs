using System.Text.Json;

namespace Electra.Tests.Experiment;

/// <summary>The experiment's smoke version: every stage (pre-training both objectives, fine-tuning three encoders on both tasks) runs and scores finitely.</summary>
public class ExperimentCommandTests
{
    [Fact]
    public void Every_stage_produces_a_finite_score_in_the_results_file()
    {
        using var dir = new TestPaths.TempDir();
        var (code, stdout, stderr) = Cli.Run("experiment",
            "--corpus", Path.Combine(TestPaths.Pretrain, "moby-dick.txt"),
            "--tasks", TestPaths.Tasks,
            "--out", dir["exp"], "--budget-flops", "3e10", "--seeds", "1", "--batch", "8", "--seq", "64",
            "--vocab-size", "1000", "--epochs", "1", "--max-train", "64");
        Assert.True(code == 0, stdout + stderr);

        var results = JsonDocument.Parse(File.ReadAllText(Path.Combine(dir["exp"], "results.json"))).RootElement;
        var tasks = results.GetProperty("tasks");
        Assert.Equal(new[] { "brown-genre", "brown-pos" }, tasks.EnumerateObject().Select(t => t.Name).Order());
        foreach (var task in tasks.EnumerateObject())
            foreach (string model in new[] { "electra", "mlm", "none" })
            {
                var entry = task.Value.GetProperty(model);
                double mean = entry.GetProperty("mean").GetDouble();
                Assert.True(double.IsFinite(mean) && mean is >= 0 and <= 1, $"{task.Name}/{model}: {mean}");
                Assert.Equal(1, entry.GetProperty("runs").GetArrayLength());
            }
        var budget = results.GetProperty("budget");
        double flops = budget.GetProperty("training_flops").GetDouble();
        // Equal compute: each objective's steps × FLOPs per step is the budget, to within one step.
        foreach (string model in new[] { "electra", "mlm" })
        {
            var b = budget.GetProperty(model);
            double spent = b.GetProperty("steps").GetInt64() * b.GetProperty("flops_per_step").GetDouble();
            Assert.InRange(spent, flops - b.GetProperty("flops_per_step").GetDouble(), flops + b.GetProperty("flops_per_step").GetDouble());
        }
        Assert.True(File.Exists(Path.Combine(dir["exp"], "results.md")));
        Assert.True(File.Exists(Path.Combine(dir["exp"], "electra", "training.png")));
    }
}
