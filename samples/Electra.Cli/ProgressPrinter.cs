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
                    Line($"  eval @ step {p.Step}: {Format(p.Values, "loss", "gen_loss", "disc_loss", "mlm_accuracy", "disc_accuracy", "disc_auc")}");
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
        return $"[{new string('#', filled)}{new string('.', 20 - filled)}] {p.Step}/{p.TotalSteps} {fraction:P0} ETA {eta:hh\\:mm\\:ss} " +
               Format(p.Values, "tokens_per_s", "loss", "gen_loss", "disc_loss", "lr");
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

    static string Format(IReadOnlyDictionary<string, double> values, params string[] keys) =>
        string.Join(" ", keys.Where(values.ContainsKey).Select(k => $"{k}={Number(values[k])}"));

    static string Number(double v) => Math.Abs(v) >= 1000 ? v.ToString("N0", CultureInfo.InvariantCulture)
        : Math.Abs(v) < 0.01 && v != 0 ? v.ToString("0.00e0", CultureInfo.InvariantCulture) : v.ToString("0.###", CultureInfo.InvariantCulture);
}
