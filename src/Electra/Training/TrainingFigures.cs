using Electra.Pretraining;

namespace Electra.Training;

/// <summary>
/// One log interval of pre-training, typed from the step to every reader (progress bar, <c>metrics.jsonl</c>,
/// TensorBoard, the plot): the objective's figures and the trainer's. The names in <c>metrics.jsonl</c> are written in
/// one place, <see cref="ToDictionary"/>.
/// </summary>
/// <param name="Metrics">Losses and accuracies of the interval (the objective's).</param>
/// <param name="LearningRate">The learning rate of the interval's last step.</param>
/// <param name="TokensPerSecond">Non-padding tokens per second of training time, all ranks.</param>
/// <param name="Gflops">Achieved model FLOP/s (analytic matmul FLOPs of forward and backward), in GFLOP/s, all ranks.</param>
/// <param name="Mfu">Model FLOPs utilisation: <paramref name="Gflops"/> over the ranks' measured matmul ceiling (<see cref="MatmulCeiling"/>).</param>
/// <param name="TokensSeen">Tokens trained on since step 0, all ranks.</param>
/// <param name="CommunicationMs">Gradient all-reduce and stop-flag time per step (data-parallel runs only).</param>
public sealed record TrainingFigures(PretrainingMetrics Metrics, double LearningRate, double TokensPerSecond, double Gflops, double Mfu, long TokensSeen, double? CommunicationMs)
{
    /// <summary>The figures under their <c>metrics.jsonl</c> names: the objective's (<see cref="PretrainingMetrics.ToDictionary"/>), then lr, tokens_per_s, gflops_per_s, mfu, tokens_seen, communication_ms.</summary>
    public Dictionary<string, double> ToDictionary()
    {
        var values = Metrics.ToDictionary();
        values["lr"] = LearningRate;
        values["tokens_per_s"] = TokensPerSecond;
        values["gflops_per_s"] = Gflops;
        values["mfu"] = Mfu;
        values["tokens_seen"] = TokensSeen;
        if (CommunicationMs is { } ms) values["communication_ms"] = ms;
        return values;
    }
}
