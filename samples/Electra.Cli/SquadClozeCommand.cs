using System.CommandLine;
using Electra.FineTuning.QuestionAnswering;
using Electra.IO;

namespace Electra.Cli;

/// <summary>
/// `electra squad-cloze`: a small SQuAD-format task (train/dev/test.json) made from a plain-text corpus, cloze style
/// (<see cref="ClozeTask"/>). It tests the question-answering machinery, not world knowledge. Without --corpus it
/// uses the default corpus of the quick start (fetched once).
/// </summary>
static class SquadClozeCommand
{
    static readonly ClozeTaskOptions Defaults = new();
    static readonly Option<string[]> Corpus = CliOption.Many("--corpus", "text files or folders (default: the quick start's corpus, fetched once)", valueName: "PATH");
    static readonly Option<string> Out = CliOption.Text("--out", "folder to write train.json, dev.json and test.json to (new, empty, or an earlier squad-cloze task to replace)", required: true, valueName: "DIR");
    static readonly Option<int> Train = CliOption.Int("--train", Defaults.Train, "training questions", min: 1);
    static readonly Option<int> Dev = CliOption.Int("--dev", Defaults.Dev, "dev questions", min: 1);
    static readonly Option<int> Test = CliOption.Int("--test", Defaults.Test, "test questions", min: 0);
    static readonly Option<double> Unanswerable = CliOption.Number("--unanswerable", Defaults.Unanswerable, "fraction of unanswerable questions (above 0: SQuAD 2.0)");
    static readonly Option<int> Sentences = CliOption.Int("--sentences", Defaults.SentencesPerParagraph, "sentences per context paragraph", min: 2);
    static readonly Option<int> Seed = CliOption.Int("--seed", Defaults.Seed, "random seed (paragraphs, sentences, blanked words)");

    public static Command Create()
    {
        var command = new Command("squad-cloze", "build a small SQuAD-format task of cloze questions from a corpus (tests the QA machinery, not world knowledge)")
        {
            Corpus, Out, Train, Dev, Test, Unanswerable, Sentences, Seed,
        };
        command.SetAction(Run);
        return command;
    }

    static int Run(ParseResult r)
    {
        IReadOnlyList<string> corpus = r.GetValue(Corpus) ?? [];
        string output = r.GetRequiredValue(Out);
        var options = new ClozeTaskOptions
        {
            Train = r.GetValue(Train),
            Dev = r.GetValue(Dev),
            Test = r.GetValue(Test),
            Unanswerable = r.GetValue(Unanswerable),
            SentencesPerParagraph = r.GetValue(Sentences),
            Seed = r.GetValue(Seed),
        };
        CliOption.Validate(() => options.Validate());
        OutputFolder.Check(output, ClozeTask.Owner, "--out", CorpusCommand.Inputs(corpus)); // before the corpus is fetched
        corpus = CorpusCommand.OrDefault(corpus, Console.Out);
        var (train, dev, test) = ClozeTask.Write(corpus, output, options);
        Console.WriteLine($"wrote {output}: train.json {train}, dev.json {dev}, test.json {test} questions " +
                          $"(SQuAD {(options.Unanswerable > 0 ? "2.0" : "1.1")}, cloze questions from {string.Join(", ", corpus)})");
        return 0;
    }
}
