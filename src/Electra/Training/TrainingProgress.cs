namespace Electra.Training;

/// <summary>What a progress report is about.</summary>
public enum ProgressKind
{
    /// <summary>Training losses of the last log interval.</summary>
    Train,

    /// <summary>Held-out evaluation.</summary>
    Evaluation,

    /// <summary>A checkpoint was written.</summary>
    Checkpoint,

    /// <summary>Something the user should know (skipped non-finite steps, resume).</summary>
    Notice,
}

/// <summary>One report of a running pre-training, for <see cref="IProgress{T}"/> consumers (the CLI draws a progress bar from it).</summary>
/// <param name="Kind">What happened.</param>
/// <param name="Step">Optimizer steps completed.</param>
/// <param name="TotalSteps">Steps the run will take.</param>
/// <param name="Elapsed">Training wall time so far.</param>
/// <param name="Message">Text for notices and checkpoints (a path).</param>
/// <param name="Train">The interval's figures (<see cref="ProgressKind.Train"/> reports).</param>
/// <param name="Evaluation">The held-out figures (<see cref="ProgressKind.Evaluation"/> reports).</param>
public sealed record TrainingProgress(ProgressKind Kind, long Step, long TotalSteps, TimeSpan Elapsed, string? Message = null,
    TrainingFigures? Train = null, Pretraining.PretrainingMetrics? Evaluation = null);
