using System.Globalization;
using Electra.Training;

namespace Electra.Cli;

/// <summary>
/// Draws pre-training progress: a live bar (step, %, ETA, tokens/s, losses) redrawn in place on a terminal,
/// or one line per log interval when output is redirected; evaluations, checkpoints and notices on their own lines;
/// the run's training.png is redrawn at every checkpoint.
/// </summary>
sealed class ProgressPrinter : IProgress<TrainingProgress>
{
    readonly bool live = !Console.IsOutputRedirected;
    bool barShown;

    public void Report(TrainingProgress p)
    {
        lock (this)
        {
            switch (p.Kind)
            {
                case ProgressKind.Train:
                    string bar = Bar(p);
                    if (live) Console.Write("\r" + bar.PadRight(Math.Max(Console.WindowWidth - 1, bar.Length)));
                    else Console.WriteLine(bar);
                    barShown = live;
                    break;
                case ProgressKind.Evaluation:
                    var e = p.Evaluation!;
                    Line($"  eval @ step {p.Step}: {Format(("loss", e.Loss), ("gen_loss", e.GeneratorLoss), ("disc_loss", e.DiscriminatorLoss), ("mlm_accuracy", e.MaskedLmAccuracy), ("disc_accuracy", e.DiscriminatorAccuracy), ("disc_auc", e.DiscriminatorAuc))}");
                    break;
                case ProgressKind.Checkpoint:
                    Line($"  checkpoint: {p.Message}");
                    TrainingPlot.Draw(Path.GetDirectoryName(Path.GetDirectoryName(p.Message))!); // RUN/checkpoints/step-N → RUN
                    break;
                default:
                    Line($"  {p.Message}");
                    break;
            }
        }
    }

    string Bar(TrainingProgress p)
    {
        double fraction = (double)p.Step / p.TotalSteps;
        int filled = (int)(fraction * 20);
        double perStep = p.Elapsed.TotalSeconds / Math.Max(1, p.Step); // training time only (set-up excluded), across resumes
        var eta = TimeSpan.FromSeconds(perStep * (p.TotalSteps - p.Step));
        var f = p.Train!;
        return $"[{new string('#', filled)}{new string('.', 20 - filled)}] {p.Step}/{p.TotalSteps} {fraction:P0} ETA {eta:hh\\:mm\\:ss} " +
               Format(("tokens_per_s", f.TokensPerSecond), ("mfu", f.Mfu), ("loss", f.Metrics.Loss), ("gen_loss", f.Metrics.GeneratorLoss), ("disc_loss", f.Metrics.DiscriminatorLoss), ("lr", f.LearningRate));
    }

    void Line(string text)
    {
        if (barShown) Console.WriteLine();
        barShown = false;
        Console.WriteLine(text);
    }

    /// <summary>Ends the bar's line.</summary>
    public void Finish()
    {
        if (barShown) Console.WriteLine();
        barShown = false;
    }

    /// <summary>"name=value" for each figure the objective has (the MLM baseline has no discriminator figures).</summary>
    static string Format(params (string Name, double? Value)[] figures) =>
        string.Join(" ", figures.Where(f => f.Value is not null).Select(f => $"{f.Name}={Number(f.Value!.Value)}"));

    static string Number(double v) => Math.Abs(v) >= 1000 ? v.ToString("N0", CultureInfo.InvariantCulture)
        : Math.Abs(v) < 0.01 && v != 0 ? v.ToString("0.00e0", CultureInfo.InvariantCulture) : v.ToString("0.###", CultureInfo.InvariantCulture);
}
