using Electra.Modeling;
using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace Scratch;
using Electra.Training;


/// <summary>
/// Adam with decoupled weight decay over flattened parameter groups: each step concatenates a group's
/// gradients once, does the whole update with a handful of large tensor ops, and writes back one slice per
/// parameter, instead of TorchSharp's nine small ops per parameter in a managed loop. Clipping uses the
/// global norm as a tensor (TorchSharp's <c>clip_grad_norm_</c> returns a double: a host sync). A step whose
/// gradient is not finite changes nothing and is counted in <see cref="SkippedSteps"/>, again without a sync.
/// </summary>
public sealed class OldAdam : IDisposable
{
    readonly OptimizerOptions options;
    readonly List<(ParameterGroup Group, long[] Sizes, Tensor ExpAvg, Tensor ExpAvgSq)> groups = new();

    /// <summary>Creates zeroed moments for every group.</summary>
    public OldAdam(IEnumerable<ParameterGroup> parameterGroups, OptimizerOptions options)
    {
        this.options = options.Validate();
        foreach (var g in parameterGroups)
        {
            if (g.Parameters.Count == 0) continue;
            long[] sizes = g.Parameters.Select(p => p.numel()).ToArray();
            var device = g.Parameters[0].device;
            groups.Add((g, sizes, zeros(sizes.Sum(), device: device), zeros(sizes.Sum(), device: device)));
        }
        SkippedSteps = zeros(1, dtype: ScalarType.Int64, device: groups.Count > 0 ? groups[0].ExpAvg.device : CPU);
    }

    /// <summary>Optimizer steps taken (bias correction needs it; checkpoints save it).</summary>
    public long Steps { get; private set; }

    /// <summary>Steps skipped because the gradient was not finite (a device tensor; reading it syncs).</summary>
    public Tensor SkippedSteps { get; private set; }

    /// <summary>The flattened gradient of every group, in group order: the buffers a data-parallel all-reduce averages.</summary>
    public IReadOnlyList<Tensor> FlattenGradients()
    {
        return groups.Select(g => cat(g.Group.Parameters.Select(p => (p.grad ?? zeros_like(p)).reshape(-1)).ToList(), 0)).ToList();
    }

    /// <summary>
    /// One update at learning rate <paramref name="rate"/> from the current gradients (or from
    /// <paramref name="flatGradients"/> when given, e.g. after an all-reduce). Returns the global gradient norm
    /// before clipping, as a tensor.
    /// </summary>
    public Tensor Step(double rate, IReadOnlyList<Tensor>? flatGradients = null)
    {
        using var scope = NewDisposeScope();
        var grads = flatGradients ?? FlattenGradients(); // per group [P_g]
        var norm = grads.Select(g => g.square().sum()).Aggregate((a, b) => a + b).sqrt(); // scalar
        var finite = norm.isfinite();
        var scale = options.MaxGradNorm > 0 ? (options.MaxGradNorm / (norm + 1e-6)).clamp_max(1.0) : ones_like(norm);
        var keep = finite.to(ScalarType.Float32); // 1 normally; 0 freezes moments and weights
        scale = scale * keep;

        Steps++;
        double b1 = options.Beta1, b2 = options.Beta2;
        double c1 = options.BiasCorrection ? 1 - Math.Pow(b1, Steps) : 1.0;
        double c2 = options.BiasCorrection ? 1 - Math.Pow(b2, Steps) : 1.0;
        using (no_grad())
        {
            for (int i = 0; i < groups.Count; i++)
            {
                var (group, sizes, m, v) = groups[i];
                var g = grads[i].nan_to_num(0, 0, 0) * scale; // [P_g], zero on a skipped step
                m.copy_(m * (1 - (1 - b1) * keep) + (1 - b1) * keep * g);
                v.copy_(v * (1 - (1 - b2) * keep) + (1 - b2) * keep * g.square());
                var update = (m / c1) / ((v / c2).sqrt() + options.Epsilon) * keep; // [P_g]
                double lr = rate * group.RateScale;
                var decay = 1 - lr * group.WeightDecay * keep; // scalar: decoupled decay, none on a skipped step
                var slices = update.split(sizes);
                for (int j = 0; j < sizes.Length; j++)
                {
                    var p = group.Parameters[j];
                    if (group.WeightDecay > 0) p.mul_(decay);
                    p.add_(slices[j].view(p.shape), alpha: -lr);
                }
            }
            SkippedSteps.add_(finite.logical_not().to(ScalarType.Int64));
        }
        return norm.MoveToOuterDisposeScope();
    }

    /// <summary>The moments and step count, for checkpoints: <c>{group}.exp_avg</c>, <c>{group}.exp_avg_sq</c>, <c>step</c>.</summary>
    public Dictionary<string, Tensor> StateDict()
    {
        var state = new Dictionary<string, Tensor>();
        foreach (var (group, _, m, v) in groups)
        {
            state[$"{group.Name}.exp_avg"] = m;
            state[$"{group.Name}.exp_avg_sq"] = v;
        }
        state["step"] = tensor(Steps);
        state["skipped_steps"] = SkippedSteps;
        return state;
    }

    /// <summary>Restores <see cref="StateDict"/>; throws naming the mismatch if the groups differ.</summary>
    public void LoadStateDict(IReadOnlyDictionary<string, Tensor> state, string source)
    {
        foreach (var (group, _, m, v) in groups)
            foreach (var (key, target) in new[] { ($"{group.Name}.exp_avg", m), ($"{group.Name}.exp_avg_sq", v) })
            {
                if (!state.TryGetValue(key, out var t)) throw new InvalidDataException($"{source}: optimizer state lacks {key}");
                if (t.numel() != target.numel()) throw new InvalidDataException($"{source}: {key} has {t.numel()} elements, the model needs {target.numel()}");
                using (no_grad()) target.copy_(t);
            }
        if (!state.TryGetValue("step", out var step)) throw new InvalidDataException($"{source}: optimizer state lacks step");
        Steps = step.item<long>();
        if (state.TryGetValue("skipped_steps", out var skipped)) using (no_grad()) SkippedSteps.copy_(skipped);
    }

    /// <summary>Frees the moments.</summary>
    public void Dispose()
    {
        foreach (var (_, _, m, v) in groups)
        {
            m.Dispose();
            v.Dispose();
        }
        SkippedSteps.Dispose();
    }
}
