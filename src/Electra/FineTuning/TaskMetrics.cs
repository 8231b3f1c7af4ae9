namespace Electra.FineTuning;

/// <summary>
/// What an evaluation measured: every value of its kind, and <see cref="Metric"/>, the one that picks the best epoch
/// and names the task's headline figure (GLUE's choice per task shape; SQuAD's F1). <c>results.json</c> writes every
/// value of the metrics' own type.
/// </summary>
public abstract record TaskMetrics
{
    /// <summary>The name of the headline value in <c>results.json</c>, e.g. <c>mcc</c>, <c>macro_f1</c>, <c>pearson</c>.</summary>
    public abstract string Metric { get; }

    /// <summary>The headline value (higher is better); the best epoch is the one with the highest.</summary>
    public abstract double Score { get; }

    /// <summary>Number of items scored.</summary>
    public abstract int Count { get; }
}
