namespace Electra.Optimization;

/// <summary>
/// google-research/electra's schedule (<c>optimization.create_optimizer</c>): a linear decay from the peak to 0
/// over all steps, multiplied by a linear warmup: <c>lr · min(1, step / warmup) · (1 − step / total)</c>.
/// (HF's <c>get_linear_schedule_with_warmup</c> instead starts decaying after warmup.) A pure function of the
/// step: resuming at step s restores the rate with nothing to save.
/// </summary>
/// <param name="PeakRate">The learning rate the warmup climbs to.</param>
/// <param name="WarmupSteps">Steps of linear warmup (paper: 10,000).</param>
/// <param name="TotalSteps">Steps at which the rate reaches 0 (paper: 1M for Small).</param>
internal sealed record LearningRateSchedule(double PeakRate, long WarmupSteps, long TotalSteps)
{
    /// <summary>The rate for optimizer step <paramref name="step"/> (0-based; step 0 has rate 0 when warming up).</summary>
    public double At(long step)
    {
        double warmup = WarmupSteps > 0 ? Math.Min(1.0, (double)step / WarmupSteps) : 1.0;
        double decay = Math.Max(0.0, 1.0 - (double)step / Math.Max(1, TotalSteps));
        return PeakRate * warmup * decay;
    }
}
