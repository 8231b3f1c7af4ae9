using Electra.Modeling;
using TorchSharp;
using static TorchSharp.torch;

namespace Electra.Pretraining;

/// <summary>How the generator and the discriminator share embeddings.</summary>
public enum EmbeddingSharing
{
    /// <summary>Separate tables.</summary>
    None,

    /// <summary>One embeddings module (word, position, type tables and LayerNorm) for both: the paper's default.</summary>
    Shared,

    /// <summary>
    /// Gradient-disentangled sharing (DeBERTa-v3, He et al. 2021): the discriminator's tables are the generator's with
    /// the gradient stopped plus its own zero-initialised deltas, so the replaced-token loss does not pull on the table
    /// the generator learns from; the discriminator keeps its own embedding LayerNorm. The exported discriminator holds
    /// the sums (a plain HF model).
    /// </summary>
    Gdes,
}

/// <summary>Options of the joint objective, with the paper's defaults.</summary>
public sealed record ReplacedTokenDetectionOptions
{
    /// <summary>λ, the weight of the discriminator loss (paper: 50).</summary>
    public double DiscriminatorWeight { get; init; } = 50.0;

    /// <summary>Softmax temperature of the generator's samples (google: 1).</summary>
    public double Temperature { get; init; } = 1.0;

    /// <summary>Embedding sharing between generator and discriminator (paper: shared).</summary>
    public EmbeddingSharing Sharing { get; init; } = EmbeddingSharing.Shared;

    /// <summary>Throws <see cref="ArgumentException"/> naming the first bad option.</summary>
    public ReplacedTokenDetectionOptions Validate()
    {
        if (!(DiscriminatorWeight >= 0)) throw new ArgumentException($"discriminator weight must be ≥ 0 (got {DiscriminatorWeight})");
        if (!(Temperature > 0) || double.IsInfinity(Temperature)) throw new ArgumentException($"sampling temperature must be positive and finite (got {Temperature})");
        if (!Enum.IsDefined(Sharing)) throw new ArgumentException($"unknown embedding sharing {Sharing}");
        return this;
    }
}

/// <summary>
/// ELECTRA's joint objective (Clark et al. 2020, eq. 1): the generator predicts masked tokens, a sample of its
/// predictions replaces them, and the discriminator labels every token original/replaced.
/// <c>loss = mlm + λ · rtd</c>. No gradient flows through the sampling. State-dict keys are
/// <c>generator.*</c> and <c>discriminator.*</c> (each an HF model).
/// </summary>
public sealed class ReplacedTokenDetection : PretrainingObjective
{
    readonly ElectraForMaskedLM generator;
    readonly ElectraForPreTraining discriminator;
    readonly Masking masking;
    readonly MaskingOptions maskingOptions;

    /// <summary>
    /// Builds both models; with <see cref="EmbeddingSharing.Shared"/> the generator reuses the discriminator's embeddings.
    /// <paramref name="masking"/> says which positions the generator predicts (ELECTRA's 15%, 85% [MASK] by default).
    /// </summary>
    public ReplacedTokenDetection(ElectraConfig discriminatorConfig, ElectraConfig generatorConfig, SpecialTokens special, ReplacedTokenDetectionOptions? options = null,
        MaskingOptions? masking = null)
        : base("ReplacedTokenDetection")
    {
        Options = (options ?? new ReplacedTokenDetectionOptions()).Validate();
        maskingOptions = masking ?? new MaskingOptions();
        if (generatorConfig.VocabSize != discriminatorConfig.VocabSize || generatorConfig.EmbeddingSize != discriminatorConfig.EmbeddingSize
            || generatorConfig.MaxPositionEmbeddings != discriminatorConfig.MaxPositionEmbeddings || generatorConfig.TypeVocabSize != discriminatorConfig.TypeVocabSize)
            throw new ArgumentException("generator and discriminator must agree on vocab_size, embedding_size, max_position_embeddings and type_vocab_size");
        discriminator = new ElectraForPreTraining(discriminatorConfig);
        generator = new ElectraForMaskedLM(generatorConfig,
            Options.Sharing == EmbeddingSharing.Shared ? discriminator.Electra.Embeddings : null);
        if (Options.Sharing == EmbeddingSharing.Gdes) discriminator.Electra.Embeddings.DisentangleFrom(generator.Electra.Embeddings);
        this.masking = new Masking(maskingOptions, special, discriminatorConfig.VocabSize);
        RegisterComponents();
    }

    /// <summary>Builds the pair of a preset with its mask probability (the vocabulary comes from the preset's discriminator config).</summary>
    public static ReplacedTokenDetection FromPreset(ElectraPreset preset, SpecialTokens special, ReplacedTokenDetectionOptions? options = null) =>
        new(preset.Discriminator, preset.Generator, special, options, new MaskingOptions { MaskProbability = preset.MaskProbability });

    /// <summary>The objective's options.</summary>
    public ReplacedTokenDetectionOptions Options { get; }

    /// <summary>The generator (an HF <c>ElectraForMaskedLM</c>).</summary>
    public ElectraForMaskedLM Generator => generator;

    /// <summary>The discriminator (an HF <c>ElectraForPreTraining</c>): the model pre-training produces.</summary>
    public ElectraForPreTraining Discriminator => discriminator;

    /// <inheritdoc/>
    internal override Masking Masking => masking;

    /// <inheritdoc/>
    public override ElectraModel Encoder => discriminator.Electra;

    /// <summary>
    /// Loads <c>DIR/discriminator</c> and <c>DIR/generator</c> (HF folders in any layout the loader reads) into this
    /// pair, to continue pre-training. With shared embeddings the discriminator's tables are the pair's; when the
    /// generator folder's tables differ from them, <paramref name="log"/> is told so (the discriminator's are kept).
    /// Unexpected keys in either folder are reported there as well. With GDES the discriminator folder's tables (the
    /// exported sums) become deltas over the generator's: Δ = E_D − E_G.
    /// </summary>
    internal override void LoadPretrained(string dir, Action<string>? log = null)
    {
        Interop.Pretrained.LoadWeights(discriminator, Path.Combine(dir, "discriminator"), log);
        if (Options.Sharing != EmbeddingSharing.Shared)
        {
            Interop.Pretrained.LoadWeights(generator, Path.Combine(dir, "generator"), log);
            if (Options.Sharing == EmbeddingSharing.Gdes) discriminator.Electra.Embeddings.Separate(generator.Electra.Embeddings);
            return;
        }
        // Loading the generator writes its tables into the shared module: keep the discriminator's and put them back.
        var embeddings = discriminator.Electra.Embeddings;
        var kept = embeddings.state_dict().ToDictionary(kv => kv.Key, kv => kv.Value.clone());
        try
        {
            Interop.Pretrained.LoadWeights(generator, Path.Combine(dir, "generator"), log);
            using var noGrad = no_grad();
            using var scope = NewDisposeScope();
            var differing = new List<string>();
            foreach (var (name, t) in embeddings.state_dict())
            {
                if (!t.equal(kept[name]).all().item<bool>()) differing.Add($"{name} (max |Δ| {(t - kept[name]).abs().max().item<float>():G3})");
                t.copy_(kept[name]);
            }
            if (differing.Count > 0)
                log?.Invoke($"the generator's embeddings differ from the discriminator's: {string.Join(", ", differing)}; " +
                            "the pair shares one set, so the discriminator's are used");
        }
        finally
        {
            foreach (var t in kept.Values) t.Dispose();
        }
    }

    /// <inheritdoc/>
    public override bool HasDiscriminator => true;

    /// <summary><c>discriminator</c> and <c>generator</c> (with GDES, a standalone discriminator holding the tables as sums).</summary>
    internal override IEnumerable<ExportedModel> ExportModels()
    {
        if (Options.Sharing == EmbeddingSharing.Gdes)
        {
            using var standalone = new ElectraForPreTraining(discriminator.Config);
            standalone.to(discriminator.Electra.Embeddings.WordEmbeddings.device);
            standalone.load_state_dict(discriminator.state_dict());
            standalone.Electra.Embeddings.Absorb(generator.Electra.Embeddings);
            yield return new ExportedModel("discriminator", standalone, discriminator.Config, ElectraForPreTraining.Architecture);
        }
        else yield return new ExportedModel("discriminator", discriminator, discriminator.Config, ElectraForPreTraining.Architecture);
        yield return new ExportedModel("generator", generator, generator.Config, ElectraForMaskedLM.Architecture);
    }

    /// <summary>Generator (encoder + head at the masked slots) and discriminator, forward and backward.</summary>
    public override double TrainingFlops(long batch, long seqLength)
    {
        double predicted = (double)batch * maskingOptions.MaxPredictions(seqLength);
        double forward = FlopCounter.Encoder(generator.Config, batch, seqLength) + FlopCounter.GeneratorHead(generator.Config, predicted)
                       + FlopCounter.Encoder(discriminator.Config, batch, seqLength) + FlopCounter.DiscriminatorHead(discriminator.Config, batch * seqLength);
        return 3 * forward;
    }

    /// <summary>
    /// One forward pass of the objective on a batch [B, T]: masks dynamically, runs the generator at the
    /// masked positions only, samples replacements, runs the discriminator. Call <c>backward()</c> on
    /// <see cref="StepMetrics.Loss"/>. With <paramref name="keepScores"/> the discriminator's probabilities are
    /// kept for AUC; with <paramref name="global"/>, masking and sampling draw for the global batch and the losses are
    /// normalised by its counts.
    /// </summary>
    internal override StepMetrics Forward(Tensor inputIds, Tensor attentionMask, Tensor tokenTypeIds, Generator? rng = null, bool keepScores = false, GlobalBatch? global = null)
    {
        using var scope = NewDisposeScope();
        var masked = masking.Apply(inputIds, attentionMask, rng, global);
        return Forward(inputIds, attentionMask, tokenTypeIds, masked, rng, keepScores, global).MoveToOuter();
    }

    /// <summary>The objective for a given masking (tests and fixtures supply theirs).</summary>
    internal StepMetrics Forward(Tensor inputIds, Tensor attentionMask, Tensor tokenTypeIds, MaskedBatch masked, Generator? rng = null, bool keepScores = false,
        GlobalBatch? global = null)
    {
        using var scope = NewDisposeScope();
        long Hg = generator.Config.HiddenSize;
        var hidden = generator.Electra.call(masked.InputIds, attentionMask, tokenTypeIds); // [B, T, Hg]
        var atMasked = hidden.gather(1, masked.Positions.unsqueeze(-1).expand(-1, -1, Hg)); // [B, N, Hg]
        var (mlmSum, sampled, generatorArgmax) = PredictAndSample(atMasked, masked, rng, global); // scalar, [B, N], [B, N]
        var mlmLoss = MeanOver(mlmSum, masked.Weights, global?.MaskedDivisor);
        var real = masked.Weights.gt(0);
        var fakeIds = inputIds.scatter(1, masked.Positions, where(real, sampled, masked.Targets)); // [B, T]
        var labels = fakeIds.ne(inputIds).to(ScalarType.Float32); // [B, T]: a sample equal to the original counts as original

        var discLogits = discriminator.call(fakeIds, attentionMask, tokenTypeIds).to(ScalarType.Float32); // [B, T]
        var tokenMask = attentionMask.to(ScalarType.Float32);
        var discLoss = DiscriminatorLoss(discLogits, labels, tokenMask, global?.TokenDivisor);
        var loss = mlmLoss + Options.DiscriminatorWeight * discLoss;

        using var noGrad = no_grad();
        var w = masked.Weights;
        var predicted = discLogits.gt(0).to(ScalarType.Float32) * tokenMask;
        var actual = labels * tokenMask;
        return new StepMetrics(
            loss, mlmLoss.detach(), discLoss.detach(),
            MaskedCorrect: (generatorArgmax.eq(masked.Targets).to(ScalarType.Float32) * w).sum(),
            SampledCorrect: (sampled.eq(masked.Targets).to(ScalarType.Float32) * w).sum(),
            MaskedCount: w.sum(),
            DiscriminatorCorrect: (predicted.eq(actual).to(ScalarType.Float32) * tokenMask).sum(),
            TokenCount: tokenMask.sum(),
            TruePositives: (predicted * actual).sum(),
            PredictedPositives: predicted.sum(),
            ActualPositives: actual.sum(),
            DiscriminatorProbabilities: keepScores ? sigmoid(discLogits) : null,
            DiscriminatorLabels: keepScores ? labels : null,
            TokenMask: keepScores ? tokenMask : null).MoveToOuter();
    }

    /// <summary>Largest [rows, N, V] float32 block of generator logits computed at once.</summary>
    /// <remarks>
    /// glibc serves blocks over 32 MB from fresh mmap'd pages on every allocation, and a step at 30522 words makes
    /// several such [B, N, V] tensors (logits, log-softmax, their gradients, the sampling's running sums); in chunks
    /// of rows they come from the heap instead (docs/performance.md).
    /// </remarks>
    const long HeadChunkBytes = 16L << 20;

    /// <summary>
    /// The generator's head at the masked slots, in row chunks: the summed weighted cross-entropy (scalar), one
    /// sample per slot [B, N] (no gradient) and the argmax [B, N]. The uniform numbers of the sampling are drawn for
    /// the whole batch first, so the chunking does not change the samples.
    /// </summary>
    (Tensor LossSum, Tensor Sampled, Tensor Argmax) PredictAndSample(Tensor atMasked, MaskedBatch masked, Generator? rng, GlobalBatch? global)
    {
        using var scope = NewDisposeScope();
        long B = atMasked.shape[0], N = atMasked.shape[1], V = generator.Config.VocabSize;
        var u = DrawUniforms(B, N, rng, global, atMasked.device); // [B, N, 1]
        long rows = Math.Max(1, HeadChunkBytes / (N * V * sizeof(float)));
        var sums = new List<Tensor>();
        var samples = new List<Tensor>();
        var argmaxes = new List<Tensor>();
        for (long start = 0; start < B; start += rows)
        {
            long r = Math.Min(rows, B - start);
            var logits = generator.Predict(atMasked.narrow(0, start, r)).to(ScalarType.Float32); // [r, N, V]
            sums.Add(GeneratorLossSum(logits, masked.Targets.narrow(0, start, r), masked.Weights.narrow(0, start, r)));
            using var noGrad = no_grad();
            samples.Add(InverseTransform(logits.detach(), Options.Temperature, u.narrow(0, start, r)));
            argmaxes.Add(logits.argmax(-1));
        }
        var result = (stack(sums).sum(), cat(samples), cat(argmaxes));
        result.Item1.MoveToOuterDisposeScope();
        result.Item2.MoveToOuterDisposeScope();
        result.Item3.MoveToOuterDisposeScope();
        return result;
    }

    /// <summary>
    /// Mean cross-entropy over real slots: logits [B, N, V], targets [B, N], weights [B, N] → scalar. The sum is
    /// divided by <paramref name="divisor"/> when given (<see cref="GlobalBatch.MaskedDivisor"/>), else by Σw.
    /// </summary>
    public static Tensor GeneratorLoss(Tensor logits, Tensor targets, Tensor weights, double? divisor = null)
    {
        using var scope = NewDisposeScope();
        return MeanOver(GeneratorLossSum(logits, targets, weights), weights, divisor).MoveToOuterDisposeScope();
    }

    /// <summary>Σ w · cross-entropy over slots: logits [B, N, V], targets and weights [B, N] → scalar.</summary>
    static Tensor GeneratorLossSum(Tensor logits, Tensor targets, Tensor weights)
    {
        using var scope = NewDisposeScope();
        long V = logits.shape[^1];
        var ce = nn.functional.cross_entropy(logits.reshape(-1, V), targets.reshape(-1), reduction: nn.Reduction.None); // [B*N]
        return (ce * weights.reshape(-1)).sum().MoveToOuterDisposeScope();
    }

    /// <summary>
    /// A loss sum over weighted items as a mean: divided by <paramref name="divisor"/> when given (data-parallel:
    /// the global count over the ranks), else by Σ<paramref name="weights"/> + 1e-6, as google does, so that a batch
    /// with nothing to score gives 0, not NaN.
    /// </summary>
    static Tensor MeanOver(Tensor sum, Tensor weights, double? divisor) => divisor is { } d ? sum / d : sum / (weights.sum() + 1e-6);

    /// <summary>
    /// Sigmoid cross-entropy averaged over non-padding tokens: logits, labels, mask [B, T] → scalar. The sum is
    /// divided by <paramref name="divisor"/> when given (<see cref="GlobalBatch.TokenDivisor"/>), else by the token count.
    /// </summary>
    public static Tensor DiscriminatorLoss(Tensor logits, Tensor labels, Tensor tokenMask, double? divisor = null)
    {
        using var scope = NewDisposeScope();
        var bce = nn.functional.binary_cross_entropy_with_logits(logits, labels, reduction: nn.Reduction.None); // [B, T]
        return MeanOver((bce * tokenMask).sum(), tokenMask, divisor).MoveToOuterDisposeScope();
    }

    /// <summary>
    /// One sample per row of softmax(logits / T), in fp32, by inverse transform sampling: one uniform number per row
    /// against the running sum of the probabilities: [B, .., V] → [B, ..]. With <paramref name="global"/> the uniform
    /// numbers are drawn for the global batch and this rank keeps its rows.
    /// </summary>
    /// <remarks>
    /// Not Gumbel-max: that needs a random number per logit (30522 per slot), and libtorch's CPU generator fills
    /// tensors on one thread; here the random numbers are one per slot and the [.., V] passes (softmax, running sum,
    /// binary search) run on every core.
    /// </remarks>
    internal static Tensor Sample(Tensor logits, double temperature, Generator? rng = null, GlobalBatch? global = null)
    {
        using var scope = NewDisposeScope();
        long[] shape = logits.shape;
        var u = GlobalBatch.Draw(global, shape[0], rows => rand([rows, .. shape[1..^1], 1], generator: rng, device: logits.device)); // [B, .., 1]
        return InverseTransform(logits, temperature, u).MoveToOuterDisposeScope();
    }

    /// <summary>The uniform numbers of <see cref="Sample"/> for [B, N] slots (<paramref name="batch"/> × <paramref name="slots"/>): [B, N, 1].</summary>
    static Tensor DrawUniforms(long batch, long slots, Generator? rng, GlobalBatch? global, Device device) =>
        GlobalBatch.Draw(global, batch, rows => rand([rows, slots, 1], generator: rng, device: device));

    /// <summary>Inverse transform sampling of softmax(logits / T) [B, .., V] with uniform numbers <paramref name="u"/> [B, .., 1] → [B, ..].</summary>
    static Tensor InverseTransform(Tensor logits, double temperature, Tensor u)
    {
        using var scope = NewDisposeScope();
        long V = logits.shape[^1];
        var scaled = logits.to(ScalarType.Float32);
        var cdf = (temperature == 1.0 ? scaled : scaled / temperature).softmax(-1).cumsum(-1); // [B, .., V]
        // u is scaled by the last running sum, not 1, so the float rounding of the sum cannot leave it beyond every
        // entry. The first index whose running sum exceeds u is index i with probability p_i; a zero-probability token
        // adds an empty interval and is never chosen.
        return searchsorted(cdf, u * cdf.narrow(-1, V - 1, 1), right: true).squeeze(-1).clamp_max_(V - 1).MoveToOuterDisposeScope();
    }
}
