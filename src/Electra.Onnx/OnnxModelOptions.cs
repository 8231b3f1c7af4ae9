namespace Electra.Onnx;

/// <summary>Where ONNX Runtime runs the graph.</summary>
public enum ExecutionProvider
{
    /// <summary>ONNX Runtime's CPU kernels (the <c>Microsoft.ML.OnnxRuntime</c> package; every OS).</summary>
    Cpu,

    /// <summary>
    /// NVIDIA CUDA. Needs the <c>Microsoft.ML.OnnxRuntime.Gpu</c> package (1.32.0) in the application instead of
    /// <c>Microsoft.ML.OnnxRuntime</c>, and CUDA 12 + cuDNN 9 on the machine. Written to ONNX Runtime's documentation
    /// but not run here: the build machines have no GPU.
    /// </summary>
    Cuda,
}

/// <summary>How <see cref="ElectraOnnxModel.Load"/> sets up the session and batches inputs.</summary>
public sealed record OnnxModelOptions
{
    /// <summary>The execution provider; CPU by default.</summary>
    public ExecutionProvider Provider { get; init; } = ExecutionProvider.Cpu;

    /// <summary>The CUDA device ordinal when <see cref="Provider"/> is <see cref="ExecutionProvider.Cuda"/>.</summary>
    public int CudaDeviceId { get; init; }

    /// <summary>ONNX Runtime's intra-op threads; null lets it choose (one per physical core).</summary>
    public int? IntraOpThreads { get; init; }

    /// <summary>
    /// Longest encoding in tokens, [CLS]/[SEP] included; longer texts are truncated (pairs longest-first, as HF).
    /// Null means min(512, <c>max_position_embeddings</c>), HF's usual <c>model_max_length</c>.
    /// </summary>
    public int? MaxLength { get; init; }

    /// <summary>Texts per ONNX Runtime call in the high-level methods (rows are padded to the longest of their batch).</summary>
    public int BatchSize { get; init; } = 32;

    /// <summary>
    /// Question answering's windowing and decoding; null reads the folder's <c>question_answering.json</c> (what
    /// fine-tuning chose, including SQuAD 2.0's no-answer threshold), or google's defaults without one.
    /// </summary>
    public Electra.FineTuning.QuestionAnswering.QuestionAnsweringOptions? QuestionAnswering { get; init; }
}
