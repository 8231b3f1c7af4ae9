using Electra.Data;
using Electra.FineTuning.QuestionAnswering;

namespace Electra.Cli;

/// <summary>
/// `electra squad-cloze`: a small SQuAD-format task (train/dev/test.json) made from a plain-text corpus, cloze style
/// (<see cref="ClozeTask"/>). It tests the question-answering machinery, not world knowledge. Without --corpus it
/// uses the default corpus of the quick start (fetched once).
/// </summary>
static class SquadClozeCommand
{
    public const string Usage = "electra squad-cloze [--corpus PATH...] --out DIR [--train N] [--dev N] [--test N] [--unanswerable F] [--sentences K] [--seed S]";

    public static int Run(Args a)
    {
        var corpus = a.Many("corpus");
        string output = a.Required("out");
        var defaults = new ClozeTaskOptions();
        var options = new ClozeTaskOptions
        {
            Train = a.Int("train", defaults.Train, min: 1),
            Dev = a.Int("dev", defaults.Dev, min: 1),
            Test = a.Int("test", defaults.Test, min: 0),
            Unanswerable = a.Double("unanswerable", defaults.Unanswerable),
            SentencesPerParagraph = a.Int("sentences", defaults.SentencesPerParagraph, min: 2),
            Seed = a.Int("seed", defaults.Seed),
        };
        a.EnsureAllUsed();
        try
        {
            options.Validate();
        }
        catch (ArgumentException e)
        {
            throw new UsageException(e.Message);
        }
        if (corpus.Count == 0)
        {
            var fetched = CorpusDownloader.Fetch(log: new Progress<string>(l => Console.WriteLine($"corpus: {l}")));
            corpus = new[] { fetched.Folder };
        }
        var (train, dev, test) = ClozeTask.Write(corpus, output, options);
        Console.WriteLine($"wrote {output}: train.json {train}, dev.json {dev}, test.json {test} questions " +
                          $"(SQuAD {(options.Unanswerable > 0 ? "2.0" : "1.1")}, cloze questions from {string.Join(", ", corpus)})");
        return 0;
    }
}
