using System.CommandLine;
using Electra.Data;
using Electra.Interop;
using Electra.IO;
using Electra.Tokenization;

namespace Electra.Cli;

/// <summary>
/// `electra data`: tokenizes a corpus and packs it into pre-training shards (see <see cref="DatasetBuilder"/>), in a
/// folder under the one output-folder rule (<see cref="OutputFolder"/>): its own dataset is replaced, a folder of other
/// files is refused unless --overwrite (which writes the dataset beside them), an input folder always.
/// </summary>
static class DataCommand
{
    static readonly Option<string[]> Corpus = CliOption.Many("--corpus", "text or .jsonl files, or folders of them", required: true, valueName: "PATH");
    static readonly Option<string> Tokenizer = CliOption.Text("--tokenizer", "tokenizer folder (vocab.txt)", required: true, valueName: "DIR");
    static readonly Option<string> Out = CliOption.OutputFolder("--out", "dataset folder to write", required: true);
    static readonly Option<int> Seq = CliOption.Int("--seq", 128, "tokens per sequence", min: 8);
    static readonly Option<int> Seed = CliOption.Int("--seed", 12345, "seed of the train/validation split and shuffling");
    static readonly Option<double> ValidationFraction = CliOption.Number("--validation-fraction", 0.01, "fraction of documents held out for evaluation", min: 0, max: 0.5);
    static readonly Option<bool> Overwrite = CliOption.Flag("--overwrite",
        "write the dataset into an --out holding files electra did not create (only the dataset's own files are replaced; a dataset `electra data` wrote is replaced without it)");
    const string Owner = "data";

    public static Command Create() => CliOption.Command("data", "tokenize a corpus and pack it into pre-training shards", Run,
        Corpus, Tokenizer, Out, Seq, Seed, ValidationFraction, Overwrite);

    static int Run(ParseResult r)
    {
        var corpus = r.GetRequiredValue(Corpus);
        string tokenizerDir = r.GetRequiredValue(Tokenizer);
        string output = r.GetRequiredValue(Out);
        var options = new DatasetBuildOptions
        {
            Packing = new PackingOptions { MaxSequenceLength = r.GetValue(Seq) },
            Seed = r.GetValue(Seed),
            ValidationFraction = r.GetValue(ValidationFraction),
        };
        CliOption.Validate(options.Validate);
        CorpusReader.ListFiles(corpus); // a missing path fails here (exit 1, named), before any work
        (string?, string)[] inputs = [.. CorpusCommand.Inputs(corpus), (tokenizerDir, "--tokenizer")];
        if (r.GetValue(Overwrite) && OutputFolder.Inspect(output).Owner is null) OutputFolder.CheckInputs(output, "--out", inputs); // files of no command: kept
        else OutputFolder.Check(output, Owner, "--out", inputs); // a folder another command made is never written into
        var tokenizer = TokenizerCommand.Load(tokenizerDir);
        var progress = new SynchronousProgress<DatasetBuildProgress>(p =>
            Console.WriteLine($"{p.Documents}/{p.TotalDocuments} documents, {p.Sequences:N0} sequences, {p.Tokens:N0} tokens, " +
                              $"{p.Tokens / Math.Max(p.Elapsed.TotalSeconds, 1e-3):N0} tokens/s"));
        DatasetManifest? manifest = null;
        OutputFolder.Commit(output, Owner, staging =>
            manifest = DatasetBuilder.Build(corpus, staging, tokenizer.TokenizeToIds, TokenizerVocabulary.Describe(tokenizer), options, progress));
        Console.WriteLine($"{output}: {manifest!.Train.Sequences:N0} training sequences ({manifest.Train.Tokens:N0} tokens), " +
                          $"{manifest.Validation.Sequences:N0} validation sequences, {manifest.Dtype} shards");
        return 0;
    }
}
