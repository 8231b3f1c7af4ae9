using System.Text.Json;
using Electra.FineTuning.QuestionAnswering;
using Electra.IO;

namespace Electra.FineTuning.Prediction;

/// <summary>
/// The question-answering kind's prediction, as training evaluates it: doc-stride windows over each context of a SQuAD
/// <c>.json</c> file, n-best span decoding over every window (<see cref="AnswerDecoder"/>) and, with SQuAD 2.0
/// settings, "" where the null score beats the best span by more than the threshold. Writes SQuAD's
/// <c>{question id: answer}</c>. Serves the folders whose <c>config.json</c> names <see cref="ElectraForQuestionAnswering"/>.
/// </summary>
internal sealed class QuestionAnsweringPrediction : TaskPrediction<PredictionInput>
{
    public override bool Serves(string modelDir) => Interop.Pretrained.ReadConfig(modelDir).Architectures?.Contains(ElectraForQuestionAnswering.Architecture) == true;

    public override PredictionInput Read(string input) => PredictionInput.Read(input);

    public override PredictionReport Run(IFineTunedEncoder model, PredictionInput input, string output, PredictionOptions options)
    {
        var data = input.Questions ?? throw new InvalidDataException($"{input.Path}: not a SQuAD .json file, but {model.Folder} holds {model.Architecture}, which answers questions");
        var folder = model.QuestionAnswering ?? throw new InvalidDataException($"{model.Folder} holds {model.Architecture}, not {ElectraForQuestionAnswering.Architecture} (needed for {data.Path})");
        var settings = (folder with
        {
            MaxSeqLength = options.MaxLength ?? folder.MaxSeqLength,
            NullScoreDiffThreshold = options.NullScoreDiffThreshold ?? folder.NullScoreDiffThreshold,
        }).Validate();
        int truncated = 0;
        var predictions = AnswerDecoder.Predict(model, data.Examples, settings, options.BatchSize, data.Path, _ => Interlocked.Increment(ref truncated));
        var answers = AnswerDecoder.Answers(data.Examples, predictions, settings.Version2WithNegative, settings.NullScoreDiffThreshold);
        AtomicFile.WriteAllText(output, JsonSerializer.Serialize(answers, new JsonSerializerOptions { WriteIndented = true }));
        bool v2 = settings.Version2WithNegative;
        var scores = data.HasGold ? SquadMetrics.Evaluate(data.Examples, answers, v2, v2 ? settings.NullScoreDiffThreshold : null) : null;
        return new PredictionReport(output, answers.Count, "answers", null, scores, answers.Values.Count(a => a.Length == 0), truncated, settings);
    }
}
