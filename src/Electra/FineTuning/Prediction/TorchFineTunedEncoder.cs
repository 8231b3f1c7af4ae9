using Electra.FineTuning.QuestionAnswering;
using Electra.Interop;
using Electra.Native;
using Electra.Tokenization;
using static TorchSharp.torch;

namespace Electra.FineTuning.Prediction;

/// <summary>
/// A fine-tuned folder on TorchSharp as an <see cref="IFineTunedEncoder"/>: a classifier (<see cref="ElectraClassifier"/>:
/// sequence, regression or token classification) or <see cref="ElectraForQuestionAnswering"/>, with its tokenizer, run
/// in eval mode without gradients. The ONNX Runtime counterpart is Electra.Onnx's <c>ElectraOnnxModel</c>.
/// </summary>
public sealed class TorchFineTunedEncoder : IFineTunedEncoder
{
    readonly nn.Module module;
    readonly Func<BatchEncoding, Tensor[]> forward;

    TorchFineTunedEncoder(nn.Module module, Func<BatchEncoding, Tensor[]> forward, string folder, string architecture, IReadOnlyList<string> labels,
        bool isRegression, int maxPositions, WordPieceTokenizer tokenizer, QuestionAnsweringOptions? questionAnswering)
    {
        this.module = module;
        this.forward = forward;
        Folder = folder;
        Architecture = architecture;
        Labels = labels;
        IsRegression = isRegression;
        MaxPositions = maxPositions;
        Tokenizer = tokenizer;
        QuestionAnswering = questionAnswering;
        module.eval();
    }

    /// <summary>Wraps a loaded classifier (the wrapper owns it from now on); <paramref name="folder"/> names it in messages.</summary>
    public TorchFineTunedEncoder(ElectraClassifier model, WordPieceTokenizer tokenizer, string folder)
        : this(model, batch =>
        {
            var (ids, mask, types) = batch.ToTensors();
            return [model.call(ids, mask, types)];
        }, folder, model.Architecture, model.Labels.Names, model.Labels.IsRegression, model.Config.MaxPositionEmbeddings, tokenizer, null)
    {
    }

    /// <summary>
    /// Wraps a loaded question-answering model (the wrapper owns it from now on) with its windowing and decoding
    /// settings; a window longer than the model's positions is cut to them.
    /// </summary>
    public TorchFineTunedEncoder(ElectraForQuestionAnswering model, WordPieceTokenizer tokenizer, QuestionAnsweringOptions options, string folder)
        : this(model, batch =>
        {
            var (ids, mask, types) = batch.ToTensors();
            var (start, end) = model.call(ids, mask, types);
            return [start, end];
        }, folder, ElectraForQuestionAnswering.Architecture, [], false, model.Config.MaxPositionEmbeddings, tokenizer,
            (options with { MaxSeqLength = Math.Min(options.MaxSeqLength, model.Config.MaxPositionEmbeddings) }).Validate())
    {
    }

    /// <inheritdoc/>
    public string Folder { get; }

    /// <inheritdoc/>
    public string Architecture { get; }

    /// <inheritdoc/>
    public IReadOnlyList<string> Labels { get; }

    /// <inheritdoc/>
    public bool IsRegression { get; }

    /// <inheritdoc/>
    public int MaxPositions { get; }

    /// <inheritdoc/>
    public WordPieceTokenizer Tokenizer { get; }

    /// <inheritdoc/>
    public QuestionAnsweringOptions? QuestionAnswering { get; }

    /// <summary>
    /// Loads a folder written by <c>electra finetune</c> (or HF's <c>save_pretrained</c>) whose <c>architectures</c>
    /// names a classifier or <c>ElectraForQuestionAnswering</c>, all or nothing, with its tokenizer (checked against the
    /// config) and, for question answering, <c>question_answering.json</c>. Loads libtorch first (<see cref="TorchRuntime.EnsureLoaded"/>).
    /// </summary>
    /// <exception cref="InvalidDataException">The folder holds another head, or its files do not fit together.</exception>
    public static TorchFineTunedEncoder Load(string dir)
    {
        TorchRuntime.EnsureLoaded();
        var config = Pretrained.ReadConfig(dir);
        if (config.Architectures?.Contains(ElectraForQuestionAnswering.Architecture) == true)
        {
            var options = QuestionAnsweringOptions.Read(dir);
            return ModelBuild.Fill(ElectraForQuestionAnswering.Load(dir),
                model => new TorchFineTunedEncoder(model, ElectraClassifier.LoadTokenizer(dir, model.Config), options, dir));
        }
        if (config.Architectures?.Any(a => a is nameof(ElectraForSequenceClassification) or nameof(ElectraForTokenClassification)) != true)
            throw new InvalidDataException($"{Path.Combine(dir, "config.json")}: architectures [{string.Join(", ", config.Architectures ?? [])}] is not a fine-tuned classifier " +
                                           $"({nameof(ElectraForSequenceClassification)} or {nameof(ElectraForTokenClassification)}) and not {ElectraForQuestionAnswering.Architecture}");
        return ModelBuild.Fill(ElectraClassifier.Load(dir), model => new TorchFineTunedEncoder(model, ElectraClassifier.LoadTokenizer(dir, model.Config), dir));
    }

    /// <inheritdoc/>
    public IReadOnlyList<float[]> Logits(BatchEncoding batch)
    {
        using var noGrad = no_grad();
        using var scope = NewDisposeScope();
        return forward(batch).Select(t => t.data<float>().ToArray()).ToList(); // sync: decoding reads the logits
    }

    /// <summary>Disposes the model.</summary>
    public void Dispose() => module.Dispose();
}
