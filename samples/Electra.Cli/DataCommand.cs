using Electra.Data;
using Electra.Tokenization;

namespace Electra.Cli;

/// <summary>`electra data`: tokenizes a corpus and packs it into pre-training shards (see <see cref="DatasetBuilder"/>).</summary>
static class DataCommand
{
    public const string Usage = "electra data --corpus PATH... --tokenizer DIR --out DIR [--seq L] [--seed S] [--validation-fraction F] [--overwrite]";

    public static int Run(Args a)
    {
        var corpus = a.Many("corpus", required: true);
        string tokenizerDir = a.Required("tokenizer");
        string output = a.Required("out");
        var options = new DatasetBuildOptions
        {
            Packing = new PackingOptions { MaxSequenceLength = a.Int("seq", 128, min: 8) },
            Seed = a.Int("seed", 12345),
            ValidationFraction = a.Double("validation-fraction", 0.01),
            Overwrite = a.Flag("overwrite"),
        };
        a.EnsureAllUsed();
        var tokenizer = WordPieceTokenizer.Load(tokenizerDir);
        var progress = new SynchronousProgress<DatasetBuildProgress>(p =>
            Console.WriteLine($"{p.Documents}/{p.TotalDocuments} documents, {p.Sequences:N0} sequences, {p.Tokens:N0} tokens, " +
                              $"{p.Tokens / Math.Max(p.Elapsed.TotalSeconds, 1e-3):N0} tokens/s"));
        var manifest = DatasetBuilder.Build(corpus, output, tokenizer.TokenizeToIds, TokenizerVocabulary.Describe(tokenizer), options, progress);
        Console.WriteLine($"{output}: {manifest.Train.Sequences:N0} training sequences ({manifest.Train.Tokens:N0} tokens), " +
                          $"{manifest.Validation.Sequences:N0} validation sequences, {manifest.Dtype} shards");
        return 0;
    }
}
