using System.Text.Json;

namespace Electra.FineTuning.Prediction;

/// <summary>
/// A task kind's part in <c>electra predict</c>, registered with the kind (<c>Tasks.TaskFolderKind.Prediction</c>) as
/// HF maps a task to its pipeline and google-research/electra's task owns its scorer: which fine-tuned folders are of
/// the kind, and how to read an input file for them, run the model, decode its outputs and write the output file.
/// <c>Tasks.Predictor</c> asks the registered kinds in order which serves a folder. A kind derives from
/// <see cref="TaskPrediction{TInput}"/> (this base's reading and running are the library's own).
/// </summary>
public abstract class TaskPrediction
{
    /// <summary>
    /// Whether the fine-tuned folder <paramref name="modelDir"/> (or its <c>electra export-onnx</c> export) is of this
    /// kind, by what fine-tuning wrote into it: <c>config.json</c>'s <c>architectures</c>, or the kind
    /// <c>results.json</c> records (<see cref="RecordedKind"/>). Cheap: reads no weights.
    /// </summary>
    public abstract bool Serves(string modelDir);

    /// <summary>The kind fine-tuning recorded in <paramref name="modelDir"/>'s <c>results.json</c> (<see cref="FineTuneResult.Kind"/>), or null without one (a folder from HF, an ONNX export).</summary>
    /// <exception cref="InvalidDataException">The file is not valid JSON; the message names it.</exception>
    public static string? RecordedKind(string modelDir)
    {
        string path = Path.Combine(modelDir, FineTuneResult.FileName);
        if (!File.Exists(path)) return null;
        try
        {
            using var json = JsonDocument.Parse(File.ReadAllText(path));
            return json.RootElement.TryGetProperty("kind", out var kind) && kind.ValueKind == JsonValueKind.String ? kind.GetString() : null;
        }
        catch (JsonException e)
        {
            throw new InvalidDataException($"{path}: {e.Message}", e);
        }
    }

    /// <summary>Reads and checks <paramref name="input"/> before any model is loaded.</summary>
    internal abstract object ReadInput(string input);

    /// <summary>Predicts what <see cref="ReadInput"/> read.</summary>
    internal abstract PredictionReport Predict(IFineTunedEncoder model, object input, string output, PredictionOptions options);
}

/// <summary>A task kind's prediction (<see cref="TaskPrediction"/>) on input files it reads as <typeparamref name="TInput"/>.</summary>
/// <typeparam name="TInput">What the kind reads from an input file (its texts, sentences or questions, with gold labels when the file has them).</typeparam>
public abstract class TaskPrediction<TInput> : TaskPrediction where TInput : notnull
{
    /// <summary>Reads and checks the input file; errors name the file and line. Called before the model is loaded.</summary>
    /// <exception cref="InvalidDataException">The file is malformed or not of the kind's format.</exception>
    public abstract TInput Read(string input);

    /// <summary>
    /// Encodes <paramref name="input"/> as fine-tuning encoded the kind's examples, runs <paramref name="model"/> on it
    /// (<see cref="IFineTunedEncoder.Logits"/>: either runtime), decodes the outputs, writes <paramref name="output"/>
    /// atomically and scores it when the input has gold labels. The options are checked against the model already.
    /// </summary>
    /// <exception cref="InvalidDataException">The input does not fit the model (another head, a gold label the model does not know).</exception>
    public abstract PredictionReport Run(IFineTunedEncoder model, TInput input, string output, PredictionOptions options);

    internal sealed override object ReadInput(string input) => Read(input);

    internal sealed override PredictionReport Predict(IFineTunedEncoder model, object input, string output, PredictionOptions options) => Run(model, (TInput)input, output, options);
}
