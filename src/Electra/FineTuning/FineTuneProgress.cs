namespace Electra.FineTuning;

/// <summary>A progress report of <see cref="FineTuner"/>: every <see cref="FineTuneOptions.LogEvery"/> steps, and at each epoch's end with dev metrics.</summary>
/// <param name="Epoch">1-based epoch.</param>
/// <param name="Step">Optimizer steps taken so far.</param>
/// <param name="TotalSteps">Steps of the whole run.</param>
/// <param name="TrainLoss">Mean training loss of this epoch so far.</param>
/// <param name="Dev">Dev metrics at the end of an epoch, else null.</param>
/// <param name="Elapsed">Time since training started.</param>
public sealed record FineTuneProgress(int Epoch, long Step, long TotalSteps, double TrainLoss, TaskMetrics? Dev, TimeSpan Elapsed);
