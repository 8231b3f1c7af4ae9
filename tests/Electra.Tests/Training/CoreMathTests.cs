using Electra.Modeling;
using Electra.Optimization;
using Electra.Pretraining;
using Electra.Training;
using TorchSharp;
using static TorchSharp.torch;

namespace Electra.Tests.Training;

/// <summary>The training core's arithmetic against references computed here in double precision.</summary>
public class CoreMathTests
{
    /// <summary>A module holding one weight matrix and one bias, for the optimizer.</summary>
    sealed class TwoParameters : nn.Module
    {
        readonly TorchSharp.Modules.Parameter weight = nn.Parameter(tensor(new float[] { 0.5f, -1.0f, 2.0f, 0.25f }).reshape(2, 2));
        readonly TorchSharp.Modules.Parameter bias = nn.Parameter(tensor(new float[] { 0.1f, -0.3f }));

        public TwoParameters() : base("two") => RegisterComponents();

        public TorchSharp.Modules.Parameter Weight => weight;

        public TorchSharp.Modules.Parameter Bias => bias;
    }

    static readonly double[][] Gradients =
    [
        [0.05, -0.02, 0.01, 0.03, 0.02, -0.01],
        [0.01, 0.04, -0.03, 0.02, -0.02, 0.05],
        [-0.02, 0.01, 0.02, -0.04, 0.03, 0.01],
    ];

    /// <summary>Adam with decoupled weight decay on the 4 weights only, step by step in double: google's (c = 1) or PyTorch's (bias-corrected).</summary>
    static double[] ClosedForm(double[] start, double rate, double decay, bool biasCorrection, int steps, double beta1 = 0.9, double beta2 = 0.999, double eps = 1e-6)
    {
        var p = (double[])start.Clone();
        var m = new double[p.Length];
        var v = new double[p.Length];
        for (int t = 1; t <= steps; t++)
        {
            var g = Gradients[t - 1];
            double c1 = biasCorrection ? 1 - Math.Pow(beta1, t) : 1, c2 = biasCorrection ? 1 - Math.Pow(beta2, t) : 1;
            for (int i = 0; i < p.Length; i++)
            {
                m[i] = beta1 * m[i] + (1 - beta1) * g[i];
                v[i] = beta2 * v[i] + (1 - beta2) * g[i] * g[i];
                if (i < 4) p[i] -= rate * decay * p[i]; // decoupled decay, matrices only
                p[i] -= rate * (m[i] / c1) / (Math.Sqrt(v[i] / c2) + eps);
            }
        }
        return p;
    }

    static double[] Train(bool biasCorrection, int steps, double rate, double decay)
    {
        using var model = new TwoParameters();
        using var optimizer = new AdamWeightDecay(AdamWeightDecay.DefaultGroups(model, decay), new OptimizerOptions { BiasCorrection = biasCorrection, MaxGradNorm = 0 });
        for (int t = 0; t < steps; t++)
        {
            var g = Gradients[t];
            model.Weight.grad = tensor(g.Take(4).Select(x => (float)x).ToArray()).reshape(2, 2);
            model.Bias.grad = tensor(g.Skip(4).Select(x => (float)x).ToArray());
            optimizer.Step(rate).Dispose();
        }
        return model.Weight.data<float>().ToArray().Concat(model.Bias.data<float>().ToArray()).Select(x => (double)x).ToArray();
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void The_optimizer_matches_adam_with_decoupled_decay_in_closed_form(bool biasCorrection)
    {
        double[] start = [0.5, -1.0, 2.0, 0.25, 0.1, -0.3];
        var expected = ClosedForm(start, rate: 0.01, decay: 0.1, biasCorrection, steps: 3);
        var actual = Train(biasCorrection, steps: 3, rate: 0.01, decay: 0.1);
        for (int i = 0; i < start.Length; i++) Assert.Equal(expected[i], actual[i], 5);
        // Bias correction makes a visible difference this early (the first updates are ~lr either way, not equal).
        Assert.NotEqual(ClosedForm(start, 0.01, 0.1, !biasCorrection, 3)[0], actual[0], 4);
    }

    [Fact]
    public void The_global_gradient_norm_is_clipped_and_returned_before_clipping()
    {
        using var model = new TwoParameters();
        using var optimizer = new AdamWeightDecay(AdamWeightDecay.DefaultGroups(model, 0), new OptimizerOptions { BiasCorrection = true, MaxGradNorm = 1.0 });
        model.Weight.grad = full(2, 2, 3.0f); // norm √(4·9 + 2·16) = √68
        model.Bias.grad = full(2, 4.0f);
        using var norm = optimizer.Step(0.0); // rate 0: only the moments move
        Assert.Equal(Math.Sqrt(68), norm.item<float>(), 4);
        var state = optimizer.StateDict();
        // m = (1 − β1) · g · (1 / (√68 + 1e-6)): the clipped gradient has norm 1.
        double scale = 1 / (Math.Sqrt(68) + 1e-6);
        Assert.Equal(0.1 * 3.0 * scale, state["decay.exp_avg"].data<float>()[0], 6);
        Assert.Equal(0.1 * 4.0 * scale, state["no_decay.exp_avg"].data<float>()[0], 6);
    }

    [Fact]
    public void A_non_finite_gradient_skips_the_step_and_the_streak_is_counted()
    {
        using var model = new TwoParameters();
        using var optimizer = new AdamWeightDecay(AdamWeightDecay.DefaultGroups(model, 0.01), new OptimizerOptions());
        var before = model.Weight.data<float>().ToArray();
        for (int t = 0; t < 3; t++)
        {
            model.Weight.grad = tensor(new[] { float.NaN, 1f, 1f, 1f }).reshape(2, 2);
            model.Bias.grad = ones(2);
            optimizer.Step(0.1).Dispose();
        }
        Assert.Equal(before, model.Weight.data<float>().ToArray()); // untouched, decay included
        Assert.Equal(3, optimizer.SkippedSteps.item<long>());
        Assert.Equal(3, optimizer.ConsecutiveSkips.item<long>());
        Assert.Equal(0f, optimizer.StateDict()["decay.exp_avg"].abs().max().item<float>()); // moments untouched too
        model.Weight.grad = ones(2, 2);
        optimizer.Step(0.1).Dispose();
        Assert.Equal(3, optimizer.SkippedSteps.item<long>());
        Assert.Equal(0, optimizer.ConsecutiveSkips.item<long>());
        Assert.NotEqual(before, model.Weight.data<float>().ToArray());
    }

    [Fact]
    public void Weight_decay_goes_to_matrices_and_embeddings_never_to_layer_norm_or_biases()
    {
        using var model = TinyModels.Objective();
        var groups = AdamWeightDecay.DefaultGroups(model, 0.01);
        var names = model.UniqueNamedParameters().ToDictionary(p => p.Parameter.Handle, p => p.Name);
        var decayed = groups.Single(g => g.Name == "decay").Parameters.Select(p => names[p.Handle]).ToList();
        var plain = groups.Single(g => g.Name == "no_decay").Parameters.Select(p => names[p.Handle]).ToList();
        Assert.Equal(0.0, groups.Single(g => g.Name == "no_decay").WeightDecay);
        Assert.Contains(decayed, n => n.EndsWith("word_embeddings.weight"));
        Assert.Contains(decayed, n => n.EndsWith("attention.self.query.weight"));
        Assert.All(decayed, n => Assert.False(n.Contains("LayerNorm") || n.EndsWith("bias"), n));
        Assert.All(plain, n => Assert.True(n.Contains("LayerNorm") || n.EndsWith("bias"), n));
        Assert.Equal(model.UniqueNamedParameters().Count(), decayed.Count + plain.Count);
    }

    [Fact]
    public void The_schedule_warms_up_linearly_and_decays_to_zero_at_the_last_step()
    {
        var schedule = new LearningRateSchedule(PeakRate: 1e-3, WarmupSteps: 10, TotalSteps: 100);
        Assert.Equal(0.0, schedule.At(0));
        Assert.Equal(1e-3 * 0.5 * 0.95, schedule.At(5), 12); // min(1, 5/10) · (1 − 5/100)
        Assert.Equal(1e-3 * 0.9, schedule.At(10), 12);
        Assert.Equal(1e-3 * 0.5, schedule.At(50), 12);
        Assert.Equal(0.0, schedule.At(100));
        Assert.Equal(0.0, schedule.At(150)); // never negative past the end
        Assert.Equal(1e-3 * 0.99, new LearningRateSchedule(1e-3, 0, 100).At(1), 12); // no warmup
    }

    [Fact]
    public void Roc_auc_equals_the_brute_force_pair_count_with_ties()
    {
        var random = new Random(7);
        var scores = Enumerable.Range(0, 400).Select(_ => ((float)Math.Round(random.NextDouble(), 1), random.NextDouble() < 0.3)).ToList(); // many ties
        double wins = 0, pairs = 0;
        foreach (var (p, positive) in scores.Where(s => s.Item2))
            foreach (var (n, _) in scores.Where(s => !s.Item2))
            {
                pairs++;
                wins += p > n ? 1 : p == n ? 0.5 : 0;
            }
        Assert.Equal(wins / pairs, Evaluation.RocAuc(scores), 12);
        Assert.Equal(1.0, Evaluation.RocAuc([(0.9f, true), (0.1f, false)]));
        Assert.Equal(0.5, Evaluation.RocAuc([(0.5f, true), (0.5f, false)]));
        Assert.True(double.IsNaN(Evaluation.RocAuc([(0.5f, true), (0.7f, true)]))); // one class
    }

    [Fact]
    public async Task Roc_auc_of_nan_scores_is_nan_and_returns_at_once()
    {
        // issue 16: NaN == NaN is false, which once kept the tie loop from advancing (a hang at 100% CPU).
        var scores = Enumerable.Range(0, 100_000).Select(i => (float.NaN, i % 2 == 0)).ToList();
        double auc = await Task.Run(() => Evaluation.RocAuc(scores)).WaitAsync(TimeSpan.FromSeconds(30));
        Assert.True(double.IsNaN(auc));
        Assert.True(double.IsNaN(Evaluation.RocAuc([(0.2f, true), (float.NaN, false), (0.4f, false)])));
    }

    [Fact]
    public void Metrics_of_a_non_finite_loss_are_nan_and_ratios_stay_defined()
    {
        using var sums = new MetricSums();
        var nan = tensor(float.NaN);
        var zero = tensor(0f);
        sums.Add(new StepMetrics(nan, nan, nan, zero, zero, zero, zero, zero, zero, zero, zero, null, null, null));
        var m = sums.Read(discriminator: true, auc: double.NaN);
        Assert.True(double.IsNaN(m.Loss) && double.IsNaN(m.GeneratorLoss) && double.IsNaN(m.DiscriminatorLoss!.Value));
        Assert.Equal(0, m.MaskedLmAccuracy); // nothing masked: 0, not a division by zero
        Assert.Equal(0, m.DiscriminatorPrecision);
        Assert.True(double.IsNaN(m.DiscriminatorAuc!.Value));
        Assert.Equal(0, sums.Count); // a read starts a new interval
    }

    [Fact]
    public void Host_and_device_masked_counts_agree()
    {
        var masking = new Masking(new MaskingOptions(), SpecialTokens.Default, 100);
        var random = new Random(3);
        for (int trial = 0; trial < 20; trial++)
        {
            int B = 4, T = 8 + random.Next(40);
            var ids = new long[B * T];
            var mask = new long[B * T];
            for (int r = 0; r < B; r++)
            {
                int length = random.Next(0, T + 1); // rows of every length, empty ones too
                for (int t = 0; t < T; t++)
                {
                    bool real = t < length;
                    mask[r * T + t] = real ? 1 : 0;
                    ids[r * T + t] = !real ? SpecialTokens.Default.Pad : t == 0 ? SpecialTokens.Default.Cls : t == length - 1 ? SpecialTokens.Default.Sep : random.Next(5, 100);
                }
            }
            using var scope = NewDisposeScope();
            var masked = masking.Apply(tensor(ids, new long[] { B, T }), tensor(mask, new long[] { B, T }), new torch.Generator((ulong)trial));
            Assert.Equal((long)masked.Weights.sum().item<float>(), masking.CountPredictions(ids, mask, T));
        }
    }

    [Fact]
    public void The_interval_clock_leaves_paused_time_out_and_restarts_counters_with_the_clock()
    {
        var time = new ManualTime();
        var clock = new IntervalClock(time);
        clock.Add(100);
        time.Advance(1.0);
        using (clock.Pause()) time.Advance(10.0); // an evaluation
        clock.Add(100);
        time.Advance(1.0);
        var lap = clock.Lap();
        Assert.Equal((2L, 200L), (lap.Steps, lap.Tokens));
        Assert.Equal(2.0, lap.Seconds, 9);
        Assert.Equal(100.0, lap.TokensPerSecond, 9);
        clock.Add(50);
        time.Advance(0.5);
        Assert.Equal(100.0, clock.Lap().TokensPerSecond, 9); // the next interval counts only its own step
    }

    sealed class ManualTime : TimeProvider
    {
        long ticks;

        public void Advance(double seconds) => ticks += (long)(seconds * TimestampFrequency);

        public override long GetTimestamp() => ticks;

        public override long TimestampFrequency => 1_000_000;
    }
}
