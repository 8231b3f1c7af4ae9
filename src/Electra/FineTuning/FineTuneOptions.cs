using System.Text.Json.Serialization;
using Electra.Modeling;
using Electra.FineTuning.QuestionAnswering;
namespace Electra.FineTuning;

/// <summary>
/// The fine-tuning recipe; defaults are google-research/electra's GLUE settings for ELECTRA-Small
/// (<c>configure_finetuning.py</c>) unless noted.
/// </summary>
public sealed record FineTuneOptions
{
    /// <summary>Passes over the training data (google: 3).</summary>
    public int Epochs { get; init; } = 3;

    /// <summary>Peak learning rate of the task head (google: 3e-4 for Small, 1e-4 Base, 5e-5 Large).</summary>
    public double LearningRate { get; init; } = 3e-4;

    /// <summary>Layer-wise learning-rate decay (google: 0.8; the paper uses 0.8 for Base and 0.9 for Large).</summary>
    public double LayerDecay { get; init; } = 0.8;

    /// <summary>Decoupled weight decay on matrices, none on LayerNorm and biases (google: 0.01).</summary>
    public double WeightDecay { get; init; } = 0.01;

    /// <summary>Fraction of all steps spent warming up linearly from 0 (google: 0.1); the rate then decays linearly to 0.</summary>
    public double WarmupProportion { get; init; } = 0.1;

    /// <summary>Training examples per step (google: 32); a batch is padded to its longest example.</summary>
    public int BatchSize { get; init; } = 32;

    /// <summary>
    /// Group training examples of similar length into batches (HF Trainer's <c>group_by_length</c>, off by default as
    /// there): each epoch's shuffle is cut into megabatches of 50 batches, each sorted longest first
    /// (<see cref="Tokenization.LengthBatching.GroupByLength"/>). Less padding, so faster steps; but the batches hold
    /// other examples than the default run's at the same seed, so the results differ from it.
    /// </summary>
    public bool GroupByLength { get; init; }

    /// <summary>Examples per evaluation batch (no gradients, so larger than training's; not in google's recipe).</summary>
    public int EvalBatchSize { get; init; } = 128;

    /// <summary>
    /// Word pieces per example including [CLS]/[SEP] (google: 128; question answering's windows: google's 512 by
    /// <c>Tasks.FineTune.DefaultOptions</c>); longer texts are truncated (longest-first for pairs), words of longer
    /// sentences are scored as wrong, longer contexts make several windows. Must not exceed <c>max_position_embeddings</c>.
    /// </summary>
    public int MaxLength { get; init; } = 128;

    /// <summary>Train on a seeded random subset of this many examples; null for all (not in google's recipe: for quick experiments).</summary>
    public int? MaxTrainExamples { get; init; }

    /// <summary>Seeds head initialisation (and the whole model with <see cref="RandomInit"/>), dropout, shuffling and subsampling.</summary>
    public int Seed { get; init; }

    /// <summary>Ignore the folder's weights and start from random initialisation (the "no pre-training" baseline); its config and vocabulary are still used.</summary>
    public bool RandomInit { get; init; }

    /// <summary>
    /// Retrieval tasks only: the temperature τ of the in-batch contrastive loss, cross-entropy over cosine(q, p) / τ
    /// (0.05: SimCSE's value, and sentence-transformers' scale 20 in MultipleNegativesRankingLoss).
    /// </summary>
    public double Temperature { get; init; } = 0.05;

    /// <summary>Retrieval tasks only: how the bi-encoder pools token states into a text vector (mean over tokens by default; see <see cref="Pooling"/>).</summary>
    public Pooling Pooling { get; init; } = Pooling.Mean;

    /// <summary>
    /// Question-answering tasks only: windowing and decoding (doc stride, max query and answer length, n-best); its
    /// <see cref="QuestionAnsweringOptions.MaxSeqLength"/> is replaced by <see cref="MaxLength"/>, and SQuAD 2.0 and
    /// its threshold are set by the data. <c>results.json</c> records the settings used as <c>question_answering</c>.
    /// </summary>
    [JsonIgnore]
    public QuestionAnsweringOptions QuestionAnswering { get; init; } = new();

    /// <summary>Report the running training loss every this many steps (each report is a host sync); 0 reports only at epoch ends.</summary>
    public int LogEvery { get; init; } = 100;

    /// <summary>
    /// Throws naming the first general value no run could want; the options only one task kind reads are its kind's to
    /// check (<c>Tasks.TaskFolderKind.ValidateOptions</c>: question answering's windows, retrieval's temperature).
    /// </summary>
    public FineTuneOptions Validate()
    {
        if (Epochs < 1) throw new ArgumentException($"epochs must be ≥ 1 (got {Epochs})");
        if (!(LearningRate > 0)) throw new ArgumentException($"learning rate must be positive (got {LearningRate})");
        if (!(LayerDecay > 0 && LayerDecay <= 1)) throw new ArgumentException($"layer decay must be in (0, 1] (got {LayerDecay})");
        if (!(WeightDecay >= 0)) throw new ArgumentException($"weight decay must be ≥ 0 (got {WeightDecay})");
        if (!(WarmupProportion >= 0 && WarmupProportion <= 1)) throw new ArgumentException($"warmup proportion must be in [0, 1] (got {WarmupProportion})");
        if (BatchSize < 1 || EvalBatchSize < 1) throw new ArgumentException($"batch sizes must be ≥ 1 (got {BatchSize}, {EvalBatchSize})");
        if (MaxLength < 3) throw new ArgumentException($"max length must be ≥ 3 ([CLS] x [SEP]; got {MaxLength})");
        if (MaxTrainExamples is < 1) throw new ArgumentException($"max train examples must be ≥ 1 (got {MaxTrainExamples})");
        if (LogEvery < 0) throw new ArgumentException($"log interval must be ≥ 0 (got {LogEvery})");
        return this;
    }

    /// <summary><see cref="Validate()"/>, and the one length check of fine-tuning: <see cref="MaxLength"/> must fit the model's <c>max_position_embeddings</c>.</summary>
    public FineTuneOptions Validate(ElectraConfig config)
    {
        Validate();
        PositionLimit.Check(MaxLength, config.MaxPositionEmbeddings);
        return this;
    }
}
