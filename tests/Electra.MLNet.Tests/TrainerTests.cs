using Electra.FineTuning;
using Electra.FineTuning.QuestionAnswering;
using Microsoft.ML;
using Microsoft.ML.Data;
using Electra.Tasks;

namespace Electra.MLNet.Tests;

public class TrainerTests
{
    static string Discriminator => Path.Combine(TestPaths.Fixture, "discriminator");

    static readonly FineTuneOptions Quick = new() { Epochs = 2, LearningRate = 2e-3, BatchSize = 16, MaxLength = 32, LogEvery = 0, Seed = 7 };

    public sealed class TextRow
    {
        [LoadColumn(0)] public string Sentence1 = "";
        [LoadColumn(1)] public string Label = "";
    }

    public sealed class PairRow
    {
        [LoadColumn(0)] public string Sentence1 = "";
        [LoadColumn(1)] public string Sentence2 = "";
        [LoadColumn(2)] public float Label;
    }

    public sealed class Prediction
    {
        [ColumnName("PredictedLabel")] public string Label = "";
        public float[] Score = Array.Empty<float>();
    }

    static IDataView Read<T>(MLContext ml, string path) => ml.Data.LoadFromTextFile<T>(path, separatorChar: '\t', hasHeader: true);

    [Fact]
    public void Text_classification_in_a_pipeline_is_electra_finetune_and_round_trips_through_model_zip()
    {
        using var dir = new TestPaths.TempDir();
        string task = SyntheticTasks.Sequence(dir["task"], train: 160, dev: 40);
        var cli = FineTune.Run(Discriminator, task, Quick with { Epochs = 6 });

        var ml = new MLContext(seed: 1);
        var train = Read<TextRow>(ml, Path.Combine(task, "train.tsv"));
        var keys = ml.Transforms.Conversion.MapValueToKey("Label").Fit(train);
        var dev = Read<TextRow>(ml, Path.Combine(task, "dev.tsv"));
        var pipeline = ml.Transforms.Conversion.MapValueToKey("Label")
            .Append(ml.MulticlassClassification.Trainers.ElectraTextClassification(Discriminator, labelColumnName: "Label", sentence1ColumnName: "Sentence1",
                sentence2ColumnName: null, maxEpochs: 6, batchSize: Quick.BatchSize, validationSet: keys.Transform(dev), options: Quick))
            .Append(ml.Transforms.Conversion.MapKeyToValue("PredictedLabel"));
        var model = pipeline.Fit(train);

        // The same recipe on the same rows and seed: every epoch's loss and dev metrics are electra finetune's.
        var electra = model.OfType<ElectraTransformer>().Single();
        Assert.Equal(cli.Epochs.Select(e => (e.TrainLoss, e.Dev)), electra.Result.Epochs.Select(e => (e.TrainLoss, e.Dev)));
        var scored = model.Transform(dev);
        var metrics = ml.MulticlassClassification.Evaluate(scored);
        Assert.Equal(((ClassificationMetrics)cli.Dev).Accuracy, metrics.MicroAccuracy, 12);
        Assert.True(metrics.MicroAccuracy > 0.5, $"dev accuracy {metrics.MicroAccuracy} (chance 1/3)");

        string zip = dir["model.zip"];
        ml.Model.Save(model, train.Schema, zip);
        var loaded = new MLContext().Model.Load(zip, out _);
        var before = ml.Data.CreateEnumerable<Prediction>(scored, reuseRowObject: false).ToList();
        var after = ml.Data.CreateEnumerable<Prediction>(loaded.Transform(dev), reuseRowObject: false).ToList();
        Assert.Equal(before.Select(p => p.Label), after.Select(p => p.Label));
        Assert.Equal(before.Select(p => p.Score), after.Select(p => p.Score));
        Assert.All(after, p => Assert.Equal(3, p.Score.Length));
        Assert.Equal(metrics.MicroAccuracy, ml.MulticlassClassification.Evaluate(loaded.Transform(dev)).MicroAccuracy);

        var engine = ml.Model.CreatePredictionEngine<TextRow, Prediction>(loaded);
        var first = ml.Data.CreateEnumerable<TextRow>(dev, reuseRowObject: false).First();
        Assert.Equal(before[0].Label, engine.Predict(first).Label);
    }

    [Fact]
    public void Sentence_similarity_on_pairs_is_electra_finetunes_regression()
    {
        using var dir = new TestPaths.TempDir();
        string task = SyntheticTasks.Regression(dir["task"], train: 160, dev: 40);
        var cli = FineTune.Run(Discriminator, task, Quick);

        var ml = new MLContext(seed: 1);
        var trainer = ml.Regression.Trainers.ElectraSentenceSimilarity(Discriminator, validationSet: Read<PairRow>(ml, Path.Combine(task, "dev.tsv")), options: Quick);
        var model = trainer.Fit(Read<PairRow>(ml, Path.Combine(task, "train.tsv")));
        Assert.Equal(cli.Epochs.Select(e => (e.TrainLoss, e.Dev)), model.Result.Epochs.Select(e => (e.TrainLoss, e.Dev)));

        var dev = Read<PairRow>(ml, Path.Combine(task, "dev.tsv"));
        var metrics = ml.Regression.Evaluate(model.Transform(dev));
        Assert.Equal(((Electra.FineTuning.RegressionMetrics)cli.Dev).Mse, metrics.MeanSquaredError, 5);

        string zip = dir["model.zip"];
        ml.Model.Save(model, dev.Schema, zip);
        Assert.Equal(metrics.MeanSquaredError, ml.Regression.Evaluate(new MLContext().Model.Load(zip, out _).Transform(dev)).MeanSquaredError);
    }

    public sealed class SentenceRow
    {
        public string Sentence = "";
        public string[] Label = Array.Empty<string>();
    }

    public sealed class TagPrediction
    {
        [ColumnName("PredictedLabel")] public string[] Tags = Array.Empty<string>();
    }

    /// <summary>The sentences of a .conll file as ML.NET's NER trainer takes them: words joined by spaces, one label per word.</summary>
    static IEnumerable<SentenceRow> Sentences(string conll) =>
        File.ReadAllText(conll).Split("\n\n", StringSplitOptions.RemoveEmptyEntries).Select(block => block.Split('\n', StringSplitOptions.RemoveEmptyEntries).Select(line => line.Split('\t')).ToArray())
            .Select(lines => new SentenceRow { Sentence = string.Join(' ', lines.Select(l => l[0])), Label = lines.Select(l => l[1]).ToArray() });

    [Fact]
    public void Named_entity_recognition_is_electra_finetunes_token_classification()
    {
        using var dir = new TestPaths.TempDir();
        string task = SyntheticTasks.Token(dir["task"], train: 60, dev: 20);
        var cli = FineTune.Run(Discriminator, task, Quick);

        var ml = new MLContext();
        var train = ml.Data.LoadFromEnumerable(Sentences(Path.Combine(task, "train.conll")));
        var dev = ml.Data.LoadFromEnumerable(Sentences(Path.Combine(task, "dev.conll")));
        var keys = ml.Transforms.Conversion.MapValueToKey("Label").Fit(train);
        var model = ml.Transforms.Conversion.MapValueToKey("Label").Append(ml.MulticlassClassification.Trainers.ElectraNamedEntityRecognition(Discriminator, validationSet: keys.Transform(dev), options: Quick))
            .Append(ml.Transforms.Conversion.MapKeyToValue("PredictedLabel")).Fit(train);
        Assert.Equal(cli.Epochs.Select(e => (e.TrainLoss, e.Dev)), model.OfType<ElectraTransformer>().Single().Result.Epochs.Select(e => (e.TrainLoss, e.Dev)));

        string zip = dir["model.zip"];
        ml.Model.Save(model, train.Schema, zip);
        var before = ml.Data.CreateEnumerable<TagPrediction>(model.Transform(dev), reuseRowObject: false).Select(p => p.Tags).ToList();
        var after = ml.Data.CreateEnumerable<TagPrediction>(new MLContext().Model.Load(zip, out _).Transform(dev), reuseRowObject: false).Select(p => p.Tags).ToList();
        Assert.Equal(before, after);
        var gold = Sentences(Path.Combine(task, "dev.conll")).Select(s => s.Label).ToList();
        double accuracy = (double)before.Zip(gold).Sum(p => p.First.Zip(p.Second).Count(t => t.First == t.Second)) / gold.Sum(g => g.Length);
        Assert.Equal(((ClassificationMetrics)cli.Dev).Accuracy, accuracy, 12);
    }

    public sealed class QuestionRow
    {
        public string Context = "";
        public string Question = "";
        public string TrainingAnswer = "";
        public int AnswerIndex;
    }

    public sealed class Answers
    {
        public string[] Answer = Array.Empty<string>();
        public float[] Score = Array.Empty<float>();
    }

    /// <summary>The questions of a SQuAD file as ML.NET's QuestionAnswer trainer takes them (an unanswerable one with an empty answer).</summary>
    static IEnumerable<QuestionRow> Questions(string squad) => SquadDataset.Read(squad).Examples.Select(e => new QuestionRow
    {
        Context = e.Context, Question = e.Question, TrainingAnswer = e.Answers.Count > 0 ? e.Answers[0].Text : "", AnswerIndex = e.Answers.Count > 0 ? e.Answers[0].Start : 0,
    });

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void Question_answering_is_electra_finetunes_squad_recipe_and_round_trips_through_model_zip(bool version2)
    {
        using var dir = new TestPaths.TempDir();
        string task = SyntheticTasks.Squad(dir["task"], train: 256, eval: 24, unanswerable: version2 ? 0.3 : 0, seed: 3);
        // Windows of 24 pieces with stride 8: most contexts span several windows.
        var windows = new QuestionAnsweringOptions { MaxSeqLength = 24, DocStride = 8, MaxQueryLength = 4 };
        var recipe = Quick with { LearningRate = 5e-3 };
        var cli = FineTune.Run(Discriminator, task, recipe with { MaxLength = windows.MaxSeqLength, QuestionAnswering = windows }, dir["cli"]);

        var ml = new MLContext();
        var train = ml.Data.LoadFromEnumerable(Questions(Path.Combine(task, "train.json")));
        var dev = ml.Data.LoadFromEnumerable(Questions(Path.Combine(task, "dev.json")));
        var model = ml.MulticlassClassification.Trainers.ElectraQuestionAnswer(Discriminator, topK: 3, validationSet: dev, options: recipe, questionAnswering: windows).Fit(train);
        Assert.Equal(cli.Epochs.Select(e => (e.TrainLoss, e.Dev)), model.Result.Epochs.Select(e => (e.TrainLoss, e.Dev)));
        Assert.True(cli.Dev.Score > 50, $"dev F1 {cli.Dev.Score}");

        // The first answer is electra predict's on the folder electra finetune wrote, a question at a time as ML.NET
        // scores (batched, a question whose null-score difference is the threshold itself can flip on float noise);
        // then two more, scores descending.
        var before = ml.Data.CreateEnumerable<Answers>(model.Transform(dev), reuseRowObject: false).ToList();
        var questions = SquadDataset.Read(Path.Combine(task, "dev.json")).Examples;
        using (var predictor = QuestionAnsweringPredictor.Load(dir["cli"]))
            Assert.Equal(questions.Select(q => predictor.Predict(new[] { q }, "dev.json")[q.Id]), before.Select(p => p.Answer[0]));
        Assert.All(before, p =>
        {
            Assert.Equal(3, p.Answer.Length);
            Assert.Equal(p.Score.OrderByDescending(x => x), p.Score);
        });

        string zip = dir["model.zip"];
        ml.Model.Save(model, train.Schema, zip);
        var loaded = new MLContext().Model.Load(zip, out _);
        var after = ml.Data.CreateEnumerable<Answers>(loaded.Transform(dev), reuseRowObject: false).ToList();
        Assert.Equal(before.Select(p => p.Answer), after.Select(p => p.Answer));
        Assert.Equal(before.Select(p => p.Score), after.Select(p => p.Score));
        var engine = ml.Model.CreatePredictionEngine<QuestionRow, Answers>(loaded);
        Assert.Equal(before[0].Answer, engine.Predict(Questions(Path.Combine(task, "dev.json")).First()).Answer);
    }

    [Fact]
    public void An_answer_index_that_misses_its_answer_is_refused_naming_the_row()
    {
        var ml = new MLContext();
        var rows = new[]
        {
            new QuestionRow { Context = "w101 w60 w102", Question = "w58 w59", TrainingAnswer = "w60", AnswerIndex = 5 },
            new QuestionRow { Context = "w101 w61 w102", Question = "w58 w59", TrainingAnswer = "w61", AnswerIndex = 4 },
        };
        var trainer = ml.MulticlassClassification.Trainers.ElectraQuestionAnswer(Discriminator, maxEpochs: 1, options: Quick);
        var e = Assert.Throws<InvalidDataException>(() => trainer.Fit(ml.Data.LoadFromEnumerable(rows)));
        Assert.Contains("row 2", e.Message);
        Assert.Contains("AnswerIndex", e.Message);
    }

    [Fact]
    public void A_label_column_that_is_not_a_key_is_refused_naming_it()
    {
        using var dir = new TestPaths.TempDir();
        string task = SyntheticTasks.Sequence(dir["task"], train: 8, dev: 4);
        var ml = new MLContext();
        var trainer = ml.MulticlassClassification.Trainers.ElectraTextClassification(Discriminator, maxEpochs: 1, options: Quick);
        var e = Assert.Throws<ArgumentException>(() => trainer.Fit(Read<TextRow>(ml, Path.Combine(task, "train.tsv"))));
        Assert.Contains("'Label'", e.Message);
        Assert.Contains("MapValueToKey", e.Message);
    }
}
