namespace Electra.Bench;

/// <summary>One line of the results table and one entry of the JSON <c>rows</c>.</summary>
/// <param name="Name"><c>pretrain|matmul-bound|inference|inference-onnx/&lt;preset&gt;/b&lt;batch&gt;/s&lt;seq&gt;</c>, <c>tokenizer</c>, <c>dataset-build</c> or <c>matmul-ceiling</c>.</param>
/// <param name="TokensPerSecond">Tokens per second at the median repetition (model and tokenizer rows).</param>
/// <param name="MsPerStep">Median milliseconds per step (model rows) or per repetition.</param>
/// <param name="Gflops">Achieved GFLOP/s from the analytic count (model rows) or measured (matmul).</param>
/// <param name="PeakRssMb">Peak resident set size during the row, MB.</param>
/// <param name="Timing">The repetitions behind the figures.</param>
/// <param name="Extra">Row-specific figures (MB/s, FLOPs per step, MFU, shape).</param>
sealed record Row(string Name, double? TokensPerSecond, double? MsPerStep, double? Gflops, double PeakRssMb, Timing Timing,
    IReadOnlyDictionary<string, object> Extra)
{
    /// <summary>The JSON object of this row.</summary>
    public Dictionary<string, object?> ToJson()
    {
        var json = new Dictionary<string, object?>
        {
            ["name"] = Name,
            ["tokens_per_s"] = TokensPerSecond,
            ["ms_per_step"] = MsPerStep,
            ["gflops"] = Gflops,
            ["peak_rss_mb"] = PeakRssMb,
            ["median_s"] = Timing.Median,
            ["min_s"] = Timing.Min,
            ["max_s"] = Timing.Max,
            ["spread"] = Timing.Spread,
            ["repetitions"] = Timing.Repetitions,
            ["cpu_util"] = Timing.CpuUtilisation,
            ["loadavg_1m"] = new[] { Timing.LoadBefore, Timing.LoadAfter },
        };
        foreach (var (key, value) in Extra) json[key] = value;
        return json;
    }
}
