using Electra.FineTuning;
using Electra.FineTuning.Prediction;
using Electra.IO;

namespace Electra.Tasks;

/// <summary>
/// The one prediction entry point, what <c>electra predict</c> does for a fine-tuned folder of any kind on either
/// runtime: finds the folder's kind (<see cref="KindOf"/>: the first registered kind whose
/// <see cref="TaskFolderKind.Prediction"/> serves it), reads the input file with the kind's reader, runs the model and
/// decodes and writes the output file with the kind's rule, atomically, scoring it when the file has gold labels. The
/// runtime is the caller's choice: <see cref="TorchFineTunedEncoder"/> (TorchSharp, the default) or Electra.Onnx's
/// <c>ElectraOnnxModel</c> (ONNX Runtime, on an <c>electra export-onnx</c> export); both give the same file. The
/// built-in kinds:
/// <list type="bullet">
/// <item>classification: a TSV file for a sequence classifier or regression (the input columns plus <c>prediction</c>),
/// a CoNLL file for a token classifier (<c>word&lt;TAB&gt;tag</c>);</item>
/// <item>question answering: a SQuAD <c>.json</c> file (<c>{question id: answer}</c>, <c>""</c> where a SQuAD 2.0 model abstains).</item>
/// </list>
/// </summary>
public static class Predictor
{
    /// <summary>
    /// What <c>electra predict</c> does: reads <paramref name="input"/> with the reader of <paramref name="modelDir"/>'s
    /// kind before any model is loaded, loads the model with <paramref name="load"/> (default
    /// <see cref="TorchFineTunedEncoder.Load"/>; Electra.Onnx's <c>ElectraOnnxModel.Load</c> for an export), predicts
    /// (see <see cref="Run(IFineTunedEncoder, string, string, PredictionOptions)"/>) and disposes the model.
    /// </summary>
    public static PredictionReport Run(string modelDir, string input, string output, PredictionOptions? options = null, Func<string, IFineTunedEncoder>? load = null)
    {
        ArgumentNullException.ThrowIfNull(modelDir);
        var (prediction, read) = Read(modelDir, input, output);
        using var model = (load ?? TorchFineTunedEncoder.Load)(modelDir);
        return Predict(prediction, model, read, output, options);
    }

    /// <summary>
    /// Predicts <paramref name="input"/> with <paramref name="model"/>, the kind of its folder's (<see cref="KindOf"/>),
    /// and writes <paramref name="output"/> (replacing it atomically). Everything is checked before the model runs:
    /// the output against the input and the model folder, the input file against the kind's format, the options and
    /// the file against the model.
    /// </summary>
    /// <exception cref="ArgumentException">An option the model cannot take (a max length beyond its positions, a batch size below 1).</exception>
    /// <exception cref="InvalidDataException">The file does not fit the model (a CoNLL file for a sequence classifier, a SQuAD file for a classifier, …), or a gold label is unknown to it.</exception>
    /// <exception cref="OutputFolderException">The output is the input or a file of the model folder.</exception>
    public static PredictionReport Run(IFineTunedEncoder model, string input, string output, PredictionOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(model);
        var (prediction, read) = Read(model.Folder, input, output);
        return Predict(prediction, model, read, output, options);
    }

    /// <summary>The kind whose prediction serves the fine-tuned folder <paramref name="modelDir"/>: registered kinds first, classification last (it takes any folder, refused when it loads if it holds another head).</summary>
    public static TaskFolderKind KindOf(string modelDir) => TaskKinds.All.First(k => k.Prediction?.Serves(modelDir) == true);

    /// <summary>The output checked, then the input read by the kind's reader: all before any model is loaded or run.</summary>
    static (TaskPrediction Prediction, object Input) Read(string modelDir, string input, string output)
    {
        ArgumentNullException.ThrowIfNull(input);
        ArgumentNullException.ThrowIfNull(output);
        OutputFolder.CheckFile(output, "output", (input, "input"), (modelDir, "model"));
        var prediction = KindOf(modelDir).Prediction!;
        return (prediction, prediction.ReadInput(input));
    }

    static PredictionReport Predict(TaskPrediction prediction, IFineTunedEncoder model, object input, string output, PredictionOptions? options)
    {
        options ??= new PredictionOptions();
        options.Validate(model);
        return prediction.Predict(model, input, output, options);
    }
}
