namespace Electra.FineTuning;

/// <summary>A progress report of a fine-tuning run of any kind: every <see cref="FineTuneOptions.LogEvery"/> steps, and at each epoch's end with dev metrics.</summary>
/// <param name="Epoch">1-based epoch.</param>
/// <param name="Step">Optimizer steps taken so far.</param>
/// <param name="TotalSteps">Steps of the whole run.</param>
/// <param name="TrainLoss">Mean training loss of this epoch so far.</param>
/// <param name="Dev">Dev metrics at the end of an epoch, else null.</param>
/// <param name="Elapsed">Time since training started.</param>
/// <param name="TruncatedQuestions">Question answering: questions (all splits) longer than the max query length, cut to it as google-research/electra does (worth a warning when not 0).</param>
public sealed record FineTuneProgress(int Epoch, long Step, long TotalSteps, double TrainLoss, TaskMetrics? Dev, TimeSpan Elapsed, int TruncatedQuestions = 0);
