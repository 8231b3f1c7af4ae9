using Electra.Modeling;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace Electra.Optimization;

/// <summary>Parameters that share a weight decay and a learning-rate multiplier (layer-wise decay in fine-tuning).</summary>
/// <param name="Name">For logs and checkpoints.</param>
/// <param name="Parameters">The tensors updated together.</param>
/// <param name="WeightDecay">Decoupled weight decay of this group.</param>
/// <param name="RateScale">Multiplier of the scheduled learning rate.</param>
internal sealed record ParameterGroup(string Name, IReadOnlyList<Parameter> Parameters, double WeightDecay, double RateScale = 1.0);

/// <summary>
/// Adam with decoupled weight decay over flattened parameter groups: each step copies a group's gradients into
/// one persistent buffer, does the whole update with a handful of in-place tensor ops, and applies it with one
/// op per parameter, instead of TorchSharp's nine small ops per parameter in a managed loop. No step allocates a
/// group-sized tensor: fresh multi-megabyte tensors come from mmap and page-fault on every step, which cost more
/// than the arithmetic (docs/performance.md). Clipping uses the global norm as a tensor (TorchSharp's
/// <c>clip_grad_norm_</c> returns a double: a host sync). A step whose gradient is not finite changes nothing
/// and is counted in <see cref="SkippedSteps"/>, again without a sync.
/// </summary>
public sealed class AdamWeightDecay : IDisposable
{
    readonly OptimizerOptions options;
    readonly List<FlatGroup> groups = new();

    /// <summary>A group's moments and its reused gradient and scratch buffers, all [P_g].</summary>
    sealed record FlatGroup(ParameterGroup Group, long[] Sizes, Tensor ExpAvg, Tensor ExpAvgSq, Tensor Gradient, Tensor Scratch);

    /// <summary>Creates zeroed moments for every group.</summary>
    internal AdamWeightDecay(IEnumerable<ParameterGroup> parameterGroups, OptimizerOptions options)
    {
        this.options = options.Validate();
        foreach (var g in parameterGroups)
        {
            if (g.Parameters.Count == 0) continue;
            long[] sizes = g.Parameters.Select(p => p.numel()).ToArray();
            var device = g.Parameters[0].device;
            long total = sizes.Sum();
            groups.Add(new FlatGroup(g, sizes, zeros(total, device: device), zeros(total, device: device), zeros(total, device: device), zeros(total, device: device)));
        }
        var counters = groups.Count > 0 ? groups[0].ExpAvg.device : CPU;
        SkippedSteps = zeros(1, dtype: ScalarType.Int64, device: counters);
        ConsecutiveSkips = zeros(1, dtype: ScalarType.Int64, device: counters);
    }

    /// <summary>
    /// Decay on matrices and embeddings, none on LayerNorm and biases (google excludes names containing
    /// "LayerNorm", "layer_norm" or "bias"); tied and shared parameters appear once.
    /// </summary>
    internal static IReadOnlyList<ParameterGroup> DefaultGroups(nn.Module model, double weightDecay)
    {
        var all = model.UniqueNamedParameters().Where(p => p.Parameter.requires_grad).ToList();
        static bool NoDecay(string name) => name.Contains("LayerNorm") || name.Contains("layer_norm") || name.Contains("bias");
        return new[]
        {
            new ParameterGroup("decay", all.Where(p => !NoDecay(p.Name)).Select(p => p.Parameter).ToList(), weightDecay),
            new ParameterGroup("no_decay", all.Where(p => NoDecay(p.Name)).Select(p => p.Parameter).ToList(), 0.0),
        };
    }

    /// <summary>Optimizer steps taken (bias correction needs it; checkpoints save it).</summary>
    public long Steps { get; private set; }

    /// <summary>Steps skipped because the gradient was not finite (a device tensor; reading it syncs).</summary>
    public Tensor SkippedSteps { get; }

    /// <summary>Skipped steps in a row up to the last step, 0 after a finite one (a device tensor; reading it syncs).</summary>
    public Tensor ConsecutiveSkips { get; }

    /// <summary>The gradient of every group copied into its flat buffer, in group order (the buffers <see cref="Step"/> clips in place).</summary>
    List<Tensor> FlattenGradients()
    {
        using var scope = NewDisposeScope();
        using var noGrad = no_grad();
        foreach (var g in groups)
        {
            long offset = 0;
            for (int j = 0; j < g.Sizes.Length; j++)
            {
                var slice = g.Gradient.narrow(0, offset, g.Sizes[j]); // [P_j] view
                var grad = g.Group.Parameters[j].grad;
                if (grad is null) slice.zero_();
                else slice.copy_(grad.reshape(-1));
                offset += g.Sizes[j];
            }
        }
        return groups.Select(g => g.Gradient).ToList();
    }

    /// <summary>
    /// One update at learning rate <paramref name="rate"/> from the parameters' gradients (averaged over the ranks
    /// already in a data-parallel job). Returns the global gradient norm before clipping, as a tensor.
    /// </summary>
    public Tensor Step(double rate)
    {
        using var scope = NewDisposeScope();
        var grads = FlattenGradients(); // per group [P_g]
        var norm = grads.Select(g => g.norm().square()).Aggregate((a, b) => a + b).sqrt(); // scalar; norm() needs no [P_g] temporary
        var finite = norm.isfinite();
        var keep = finite.to(ScalarType.Float32); // 1 normally; 0 freezes moments and weights
        // where, not × keep: a NaN norm makes the clip factor NaN, and NaN · 0 is NaN.
        var scale = options.MaxGradNorm > 0 ? where(finite, (options.MaxGradNorm / (norm + 1e-6)).clamp_max(1.0), zeros_like(norm)) : keep;

        Steps++;
        double b1 = options.Beta1, b2 = options.Beta2;
        double c1 = options.BiasCorrection == true ? 1 - Math.Pow(b1, Steps) : 1.0;
        double c2 = options.BiasCorrection == true ? 1 - Math.Pow(b2, Steps) : 1.0;
        var decayM = 1 - (1 - b1) * keep; // scalar: β1, or 1 on a skipped step
        var decayV = 1 - (1 - b2) * keep;
        using (no_grad())
        {
            for (int i = 0; i < groups.Count; i++)
            {
                var (group, sizes, m, v, _, s) = groups[i];
                var g = grads[i].nan_to_num_(0, 0, 0).mul_(scale); // [P_g], zero on a skipped step
                m.mul_(decayM).add_(g, alpha: 1 - b1);
                v.mul_(decayV).addcmul_(g, g, value: 1 - b2);
                // (m/c1) / (sqrt(v/c2) + ε) = m · √c2/c1 / (sqrt(v) + ε√c2); s holds the per-element factor, 0 on a skipped step.
                s.copy_(v).sqrt_().add_(options.Epsilon * Math.Sqrt(c2)).reciprocal_().mul_(keep); // [P_g]
                double lr = rate * group.RateScale;
                var decay = 1 - lr * group.WeightDecay * keep; // scalar: decoupled decay, none on a skipped step
                long offset = 0;
                for (int j = 0; j < sizes.Length; j++)
                {
                    var p = group.Parameters[j];
                    if (group.WeightDecay > 0) p.mul_(decay);
                    p.addcmul_(m.narrow(0, offset, sizes[j]).view(p.shape), s.narrow(0, offset, sizes[j]).view(p.shape), value: -lr * Math.Sqrt(c2) / c1);
                    offset += sizes[j];
                }
            }
            var skipped = finite.logical_not().to(ScalarType.Int64);
            SkippedSteps.add_(skipped);
            ConsecutiveSkips.mul_(skipped).add_(skipped);
        }
        return norm.MoveToOuterDisposeScope();
    }

    /// <summary>The moments and step count, for checkpoints: <c>{group}.exp_avg</c>, <c>{group}.exp_avg_sq</c>, <c>step</c>.</summary>
    internal Dictionary<string, Tensor> StateDict()
    {
        var state = new Dictionary<string, Tensor>();
        foreach (var g in groups)
        {
            state[$"{g.Group.Name}.exp_avg"] = g.ExpAvg;
            state[$"{g.Group.Name}.exp_avg_sq"] = g.ExpAvgSq;
        }
        state["step"] = tensor(Steps);
        state["skipped_steps"] = SkippedSteps;
        state["consecutive_skips"] = ConsecutiveSkips;
        return state;
    }

    /// <summary>Restores <see cref="StateDict"/>; throws naming the mismatch if the groups differ.</summary>
    internal void LoadStateDict(IReadOnlyDictionary<string, Tensor> state, string source)
    {
        foreach (var g in groups)
            foreach (var (key, target) in new[] { ($"{g.Group.Name}.exp_avg", g.ExpAvg), ($"{g.Group.Name}.exp_avg_sq", g.ExpAvgSq) })
            {
                if (!state.TryGetValue(key, out var t)) throw new InvalidDataException($"{source}: optimizer state lacks {key}");
                if (t.numel() != target.numel()) throw new InvalidDataException($"{source}: {key} has {t.numel()} elements, the model needs {target.numel()}");
                using (no_grad()) target.copy_(t);
            }
        if (!state.TryGetValue("step", out var step)) throw new InvalidDataException($"{source}: optimizer state lacks step");
        Steps = step.item<long>();
        using var noGrad = no_grad();
        if (state.TryGetValue("skipped_steps", out var skipped)) SkippedSteps.copy_(skipped);
        if (state.TryGetValue("consecutive_skips", out var consecutive)) ConsecutiveSkips.copy_(consecutive);
    }

    /// <summary>Frees the moments and buffers.</summary>
    public void Dispose()
    {
        foreach (var g in groups)
        {
            g.ExpAvg.Dispose();
            g.ExpAvgSq.Dispose();
            g.Gradient.Dispose();
            g.Scratch.Dispose();
        }
        SkippedSteps.Dispose();
        ConsecutiveSkips.Dispose();
    }
}
