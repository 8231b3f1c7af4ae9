using Electra.FineTuning;
using Electra.Tasks;
using Electra.Tokenization;
using Microsoft.ML.Tokenizers;

namespace Electra.Tests.FineTuning;

/// <summary>Fine-tuning driven by a Microsoft.ML.Tokenizers tokenizer other than Electra's (FineTune.Run takes any through <see cref="TokenizerAdapter"/>).</summary>
public class AnyTokenizerFineTuningTests
{
    static string Discriminator => Path.Combine(TestPaths.Fixture, "discriminator");

    static FineTuneResult Train(Tokenizer tokenizer, FineTuningTask task, FineTuneOptions options) =>
        FineTune.Run(Discriminator, task, TokenizerAdapter.Create(tokenizer), options);

    [Fact] // Text pairs truncated longest-first: ML.NET's BertTokenizer trains exactly the run Electra's tokenizer trains.
    public void MlNetsBertTokenizerFineTunesAsElectrasTokenizerDoes()
    {
        using var dir = new TestPaths.TempDir();
        var task = ClassificationTask.Load(SyntheticTasks.Regression(dir["task"], train: 48, dev: 16));
        var options = new FineTuneOptions { Epochs = 2, LearningRate = 2e-3, BatchSize = 16, MaxLength = 9, Seed = 4 };
        var viaBert = Train(BertTokenizer.Create(Path.Combine(TestPaths.Fixture, "vocab.txt")), task, options);
        var viaElectra = FineTune.Run(Discriminator, task, options); // the model folder's own tokenizer
        Assert.Equal(viaElectra.Epochs.Select(e => (e.TrainLoss, e.Dev)), viaBert.Epochs.Select(e => (e.TrainLoss, e.Dev)));
    }

    [Fact] // A user's Tokenizer subclass, given its vocabulary: whole "wNNN" words are the fixture's single pieces.
    public void AUserSubclassFineTunesGivenItsVocabulary()
    {
        using var dir = new TestPaths.TempDir();
        var task = ClassificationTask.Load(SyntheticTasks.Sequence(dir["task"], train: 32, dev: 16));
        var options = new FineTuneOptions { Epochs = 1, LearningRate = 2e-3, BatchSize = 16, MaxLength = 16, Seed = 4 };
        var vocabulary = File.ReadAllLines(Path.Combine(TestPaths.Fixture, "vocab.txt"));
        var viaMine = FineTune.Run(Discriminator, task, TokenizerAdapter.Create(new Electra.Tests.Data.WholeWordTokenizer(vocabulary), vocabulary), options);
        var viaElectra = Train(Electra.Tokenization.WordPieceTokenizer.Load(TestPaths.Fixture), task, options);
        Assert.Equal(viaElectra.Epochs.Select(e => (e.TrainLoss, e.Dev)), viaMine.Epochs.Select(e => (e.TrainLoss, e.Dev)));
    }

    [Fact] // A tokenizer over another vocabulary is refused before training, naming it; question answering needs Electra's own.
    public void ATokenizerOfAnotherVocabularyIsRefused()
    {
        using var dir = new TestPaths.TempDir();
        var task = ClassificationTask.Load(SyntheticTasks.Sequence(dir["task"], train: 16, dev: 8));
        File.WriteAllLines(dir["vocab.txt"], File.ReadLines(Path.Combine(TestPaths.Fixture, "vocab.txt")).Take(500));
        var e = Assert.Throws<InvalidDataException>(() => Train(BertTokenizer.Create(dir["vocab.txt"]), task, new FineTuneOptions { Epochs = 1 }));
        Assert.Contains("BertTokenizer has 500 tokens but the model's config.json has vocab_size 1024", e.Message);
    }
}
