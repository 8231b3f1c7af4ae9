using System.Text.Json;
using Electra.Tokenization;
using static TorchSharp.torch;

namespace Electra.FineTuning.QuestionAnswering;

/// <summary>
/// Answers SQuAD-format questions with a fine-tuned folder: <c>ElectraForQuestionAnswering</c> weights, the
/// tokenizer, and <c>question_answering.json</c> (windowing, decoding and SQuAD 2.0's no-answer threshold as
/// fine-tuning chose them; google's defaults when the file is absent, e.g. for a folder from HF).
/// </summary>
public sealed class QuestionAnsweringPredictor : IDisposable
{
    /// <summary>The settings file written next to a fine-tuned model.</summary>
    public const string SettingsFile = "question_answering.json";

    /// <summary>Wraps a loaded model; <paramref name="options"/>' max sequence length must fit its position table.</summary>
    public QuestionAnsweringPredictor(ElectraForQuestionAnswering model, WordPieceTokenizer tokenizer, QuestionAnsweringOptions options)
    {
        options.Validate();
        if (options.MaxSeqLength > model.Config.MaxPositionEmbeddings)
            throw new ArgumentException($"max sequence length {options.MaxSeqLength} exceeds the model's max_position_embeddings {model.Config.MaxPositionEmbeddings}");
        Model = model;
        Tokenizer = tokenizer;
        Options = options;
    }

    /// <summary>The model.</summary>
    public ElectraForQuestionAnswering Model { get; }

    /// <summary>Its tokenizer.</summary>
    public WordPieceTokenizer Tokenizer { get; }

    /// <summary>Windowing and decoding.</summary>
    public QuestionAnsweringOptions Options { get; }

    /// <summary>Loads a fine-tuned folder (weights verified all or nothing); <paramref name="overrides"/> replaces its settings.</summary>
    public static QuestionAnsweringPredictor Load(string dir, Func<QuestionAnsweringOptions, QuestionAnsweringOptions>? overrides = null)
    {
        var options = ReadSettings(dir);
        return ModelBuild.Fill(ElectraForQuestionAnswering.Load(dir), model =>
        {
            var tokenizer = ElectraClassifier.LoadTokenizer(dir, model.Config);
            var chosen = overrides?.Invoke(options) ?? options;
            if (chosen.MaxSeqLength > model.Config.MaxPositionEmbeddings) chosen = chosen with { MaxSeqLength = model.Config.MaxPositionEmbeddings };
            return new QuestionAnsweringPredictor(model, tokenizer, chosen);
        });
    }

    /// <summary>The settings of <paramref name="dir"/>'s <c>question_answering.json</c>, or the defaults without one.</summary>
    public static QuestionAnsweringOptions ReadSettings(string dir)
    {
        string path = Path.Combine(dir, SettingsFile);
        if (!File.Exists(path)) return new QuestionAnsweringOptions();
        try
        {
            return (JsonSerializer.Deserialize<QuestionAnsweringOptions>(File.ReadAllText(path)) ?? throw new InvalidDataException($"{path}: empty")).Validate();
        }
        catch (Exception e) when (e is JsonException or ArgumentException)
        {
            throw new InvalidDataException($"{path}: {e.Message}", e);
        }
    }

    /// <summary>
    /// Answers every question of <paramref name="examples"/> (question id → text; "" for "no answer" with SQuAD 2.0
    /// settings). Errors name <paramref name="source"/> and the question.
    /// </summary>
    public Dictionary<string, string> Predict(IReadOnlyList<SquadExample> examples, string source, int batchSize = 128)
    {
        var windows = QuestionAnsweringWindow.Build(examples, Tokenizer, Options, source);
        var predictions = Decode(Model, examples, windows, Options, Tokenizer.PadId, batchSize);
        return AnswerDecoder.Answers(examples, predictions, Options.Version2WithNegative, Options.NullScoreDiffThreshold);
    }

    /// <summary>Runs <paramref name="model"/> over <paramref name="windows"/> in eval mode and decodes each example's best span.</summary>
    public static AnswerPrediction[] Decode(ElectraForQuestionAnswering model, IReadOnlyList<SquadExample> examples, IReadOnlyList<QuestionAnsweringWindow> windows,
        QuestionAnsweringOptions options, int padId, int batchSize = 128)
    {
        if (batchSize < 1) throw new ArgumentOutOfRangeException(nameof(batchSize), batchSize, "must be ≥ 1");
        model.eval();
        var logits = new (float[] Start, float[] End)[windows.Count];
        var order = Enumerable.Range(0, windows.Count).OrderBy(i => windows[i].Length).ToArray();
        using var noGrad = no_grad();
        for (int first = 0; first < order.Length; first += batchSize)
        {
            using var scope = NewDisposeScope();
            var batch = order.Skip(first).Take(batchSize).ToArray();
            var (ids, mask, types, _, _) = Collate(batch.Select(i => windows[i]).ToList(), padId);
            var (start, end) = model.call(ids, mask, types); // [B, T] each
            long T = ids.shape[1];
            var starts = start.data<float>().ToArray(); // sync: evaluation reads the logits
            var ends = end.data<float>().ToArray();
            for (int r = 0; r < batch.Length; r++)
            {
                int n = windows[batch[r]].Length;
                logits[batch[r]] = (starts.AsSpan((int)(r * T), n).ToArray(), ends.AsSpan((int)(r * T), n).ToArray());
            }
        }
        return AnswerDecoder.Decode(examples, windows, logits, options);
    }

    /// <summary>Windows padded to the longest: ids/mask/types [B, T] and the start/end labels [B].</summary>
    internal static (Tensor Ids, Tensor Mask, Tensor Types, Tensor Starts, Tensor Ends) Collate(IReadOnlyList<QuestionAnsweringWindow> rows, int padId)
    {
        int B = rows.Count, T = rows.Max(r => r.Length);
        var ids = new long[B * T];
        var mask = new long[B * T];
        var types = new long[B * T];
        Array.Fill(ids, padId);
        for (int r = 0; r < B; r++)
            for (int t = 0; t < rows[r].Length; t++)
            {
                ids[r * T + t] = rows[r].Ids[t];
                types[r * T + t] = rows[r].TypeIds[t];
                mask[r * T + t] = 1;
            }
        long[] shape = { B, T };
        return (tensor(ids, shape), tensor(mask, shape), tensor(types, shape),
            tensor(rows.Select(r => (long)r.StartPosition).ToArray()), tensor(rows.Select(r => (long)r.EndPosition).ToArray()));
    }

    /// <summary>Disposes the model.</summary>
    public void Dispose() => Model.Dispose();
}
