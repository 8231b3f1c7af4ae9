using static TorchSharp.torch;

namespace Electra.Pretraining;

/// <summary>
/// Which positions the generator predicts and what it sees there (google-research/electra <c>pretrain_helpers.mask</c>).
/// Defaults are ELECTRA's: 15% of maskable tokens, of which 85% become [MASK] and 15% stay unchanged
/// (no random replacement: the generator's samples are the replacements). BERT's MLM uses 80/10/10.
/// </summary>
public sealed record MaskingOptions
{
    /// <summary>Fraction of maskable tokens selected per sequence (paper: 0.15; 0.25 for Large).</summary>
    public double MaskProbability { get; init; } = 0.15;

    /// <summary>Of the selected, the fraction replaced by [MASK] (ELECTRA 0.85, BERT 0.8).</summary>
    public double MaskTokenFraction { get; init; } = 0.85;

    /// <summary>Of the selected, the fraction replaced by a random token (ELECTRA 0, BERT 0.1).</summary>
    public double RandomTokenFraction { get; init; }

    /// <summary>BERT's masked-LM recipe: 15% selected, 80% [MASK], 10% random, 10% unchanged.</summary>
    public static MaskingOptions Bert { get; } = new() { MaskTokenFraction = 0.8, RandomTokenFraction = 0.1 };

    /// <summary>google's <c>max_predictions_per_seq</c> for a sequence length: int((p + 0.005)·L), at least 1.</summary>
    public int MaxPredictions(long seqLength) => Math.Max(1, (int)((MaskProbability + 0.005) * seqLength));

    /// <summary>Throws when a fraction is outside [0, 1] or they add up past 1.</summary>
    public MaskingOptions Validate()
    {
        if (!(MaskProbability > 0 && MaskProbability < 1)) throw new ArgumentException($"mask probability must be in (0, 1) (got {MaskProbability})");
        if (MaskTokenFraction < 0 || RandomTokenFraction < 0 || MaskTokenFraction + RandomTokenFraction > 1)
            throw new ArgumentException($"mask/random fractions {MaskTokenFraction}/{RandomTokenFraction} must be ≥ 0 and add up to at most 1");
        return this;
    }
}

/// <summary>
/// A masked batch with static shapes, so no host sync is needed: N = <see cref="MaskingOptions.MaxPredictions"/>
/// slots per row, of which the first k (weight 1) are real.
/// </summary>
/// <param name="InputIds">[B, T] ids the generator sees.</param>
/// <param name="Positions">[B, N] selected positions (int64).</param>
/// <param name="Weights">[B, N] 1 for a real slot, 0 for padding slots (float32).</param>
/// <param name="Targets">[B, N] the original ids at <paramref name="Positions"/>.</param>
internal sealed record MaskedBatch(Tensor InputIds, Tensor Positions, Tensor Weights, Tensor Targets)
{
    /// <summary>
    /// Slots from a 0/1 selection mask [B, T] (e.g. a fixture's): the selected positions in ascending order,
    /// padded to <paramref name="slots"/> per row.
    /// </summary>
    public static MaskedBatch FromSelection(Tensor originalIds, Tensor maskedIds, Tensor selected, int slots)
    {
        using var scope = NewDisposeScope();
        long T = selected.shape[1];
        var order = selected.to(ScalarType.Float32) * (T - arange(T, device: selected.device)).to(ScalarType.Float32); // [B, T], earlier first
        var positions = order.topk(slots, dim: 1).indexes; // [B, N]
        var weights = selected.gather(1, positions).to(ScalarType.Float32); // [B, N]
        return new MaskedBatch(maskedIds.alias(), positions, weights, originalIds.gather(1, positions)).MoveToOuter();
    }

    /// <summary>Moves every tensor to the enclosing dispose scope.</summary>
    public MaskedBatch MoveToOuter()
    {
        InputIds.MoveToOuterDisposeScope();
        Positions.MoveToOuterDisposeScope();
        Weights.MoveToOuterDisposeScope();
        Targets.MoveToOuterDisposeScope();
        return this;
    }
}

/// <summary>Dynamic masking per batch, as tensor ops on the batch's device (no host sync).</summary>
internal sealed class Masking
{
    readonly MaskingOptions options;
    readonly SpecialTokens special;
    readonly int vocabSize;

    /// <summary>Masking for a vocabulary of <paramref name="vocabSize"/> with the given special ids.</summary>
    public Masking(MaskingOptions options, SpecialTokens special, int vocabSize)
    {
        this.options = options.Validate();
        this.special = special;
        this.vocabSize = vocabSize;
    }

    /// <summary>
    /// Selects max(1, min(N, round(p·n))) of the n maskable tokens per row uniformly without replacement
    /// (never [PAD]/[CLS]/[SEP]/[MASK]), then replaces them per <see cref="MaskingOptions"/>.
    /// ids, attention mask [B, T] → <see cref="MaskedBatch"/>. Uses <paramref name="rng"/> or the global generator.
    /// With <paramref name="global"/> the random numbers are drawn for the whole global batch and this rank keeps its
    /// rows, so a row's masking depends only on the generator's seed and the row's place in the global batch.
    /// </summary>
    public MaskedBatch Apply(Tensor inputIds, Tensor attentionMask, Generator? rng = null, GlobalBatch? global = null)
    {
        using var scope = NewDisposeScope();
        long B = inputIds.shape[0], T = inputIds.shape[1];
        int N = Slots(T);
        var device = inputIds.device;

        var maskable = attentionMask.ne(0)
            .logical_and(inputIds.ne(special.Pad)).logical_and(inputIds.ne(special.Cls))
            .logical_and(inputIds.ne(special.Sep)).logical_and(inputIds.ne(special.Mask)); // [B, T]
        var n = maskable.sum(1, type: ScalarType.Float32); // [B]
        var k = (n * options.MaskProbability).round().clamp(1, N).minimum(n); // [B], 0 only for rows with nothing to mask (CountPredictions mirrors this)

        // Uniform scores on maskable tokens, -1 elsewhere: the top k are a uniform sample without replacement.
        var scores = GlobalBatch.Draw(global, B, rows => rand(new[] { rows, T }, generator: rng, device: device))
            .masked_fill(maskable.logical_not(), -1); // [B, T]
        var positions = scores.topk(N, dim: 1).indexes; // [B, N]
        var weights = arange(N, device: device).to(ScalarType.Float32).unsqueeze(0).lt(k.unsqueeze(1)).to(ScalarType.Float32); // [B, N]
        var targets = inputIds.gather(1, positions); // [B, N]

        var u = GlobalBatch.Draw(global, B, rows => rand(new[] { rows, (long)N }, generator: rng, device: device)); // [B, N]
        var real = weights.gt(0);
        var toMask = real.logical_and(u.lt(options.MaskTokenFraction));
        var toRandom = real.logical_and(u.ge(options.MaskTokenFraction)).logical_and(u.lt(options.MaskTokenFraction + options.RandomTokenFraction));
        var randomIds = GlobalBatch.Draw(global, B, rows => randint(vocabSize, new[] { rows, (long)N }, generator: rng, device: device)); // [B, N]
        var replacement = where(toMask, full_like(targets, special.Mask), where(toRandom, randomIds, targets)); // [B, N]
        var masked = inputIds.scatter(1, positions, replacement); // [B, T]
        return new MaskedBatch(masked, positions, weights, targets).MoveToOuter();
    }

    /// <summary>
    /// The number of real slots <see cref="Apply"/> selects in a batch given as host arrays (row-major [B, T]),
    /// computed without the device: data-parallel ranks add these up before the forward pass to normalise their
    /// losses by the global batch's count (<see cref="GlobalBatch.MaskedPositions"/>).
    /// </summary>
    public long CountPredictions(ReadOnlySpan<long> inputIds, ReadOnlySpan<long> attentionMask, int sequenceLength)
    {
        if (inputIds.Length != attentionMask.Length || sequenceLength < 1 || inputIds.Length % sequenceLength != 0)
            throw new ArgumentException($"ids ({inputIds.Length}) and attention mask ({attentionMask.Length}) must both be whole rows of {sequenceLength} tokens");
        long slots = Slots(sequenceLength), total = 0;
        float probability = (float)options.MaskProbability; // the device multiplies float32 counts by the probability in float32
        for (int row = 0; row < inputIds.Length; row += sequenceLength)
        {
            int n = 0;
            for (int t = row; t < row + sequenceLength; t++)
            {
                long id = inputIds[t];
                if (attentionMask[t] != 0 && id != special.Pad && id != special.Cls && id != special.Sep && id != special.Mask) n++;
            }
            // torch.round rounds half to even, as MathF.Round does by default.
            total += Math.Min(n, Math.Clamp((long)MathF.Round(n * probability), 1, slots));
        }
        return total;
    }

    /// <summary>N, the slots per row: google's max predictions, at most the sequence length.</summary>
    int Slots(long sequenceLength) => (int)Math.Min(options.MaxPredictions(sequenceLength), sequenceLength);
}
