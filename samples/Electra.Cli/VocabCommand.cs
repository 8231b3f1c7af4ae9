using System.CommandLine;
using Electra.Adaptation;
using Electra.Interop;
using Electra.IO;
using Electra.Training;

namespace Electra.Cli;

/// <summary>
/// <c>electra vocab extend</c>: writes a pair with its vocabulary extended for a new domain, untrained, to inspect
/// before (or instead of) <c>pretrain --init-from DIR --extend-vocab N</c>, which does the same step in OUT/init.
/// </summary>
static class VocabCommand
{
    const string Owner = "vocab extend";
    static readonly Option<string> InitFrom = CliOption.Text("--init-from",
        "the pair to extend: DIR/discriminator and DIR/generator (HF folders, any hub layout), tokenizer from DIR", required: true, valueName: "DIR");
    static readonly Option<string[]> Corpus = CliOption.Many("--corpus",
        "text or .jsonl files, or folders of them, to learn the new pieces on (read as `pretrain` reads them)", required: true, valueName: "PATH");
    static readonly Option<string> Out = CliOption.OutputFolder("--out",
        "new folder for the extended pair: discriminator/, generator/, vocab.txt, tokenizer_config.json, added_tokens.tsv", required: true);

    public static Command Create()
    {
        var extend = CliOption.Command("extend",
            "extend a pair's WordPiece vocabulary with pieces learned on a corpus (old ids unchanged; new rows the mean of the old pieces'), untrained",
            Extend, InitFrom, Corpus, PretrainCommand.ExtendVocab, PretrainCommand.AddTokens, PretrainCommand.Tokenizer, Out);
        return new Command("vocab", "adapt a pre-trained pair's vocabulary to a new domain") { extend };
    }

    static int Extend(ParseResult r)
    {
        string initFrom = r.GetRequiredValue(InitFrom), output = r.GetRequiredValue(Out);
        var options = new PretrainingOptions { InitFrom = initFrom, ExtendVocab = r.GetValue(PretrainCommand.ExtendVocab) ?? 0, AddTokens = r.GetValue(PretrainCommand.AddTokens) };
        string tokenizerDir = r.GetValue(PretrainCommand.Tokenizer) ?? PretrainingOptions.InitTokenizerDir(initFrom);
        CliOption.Validate(() =>
        {
            options.Validate();
            if (!options.ExtendsVocabulary) throw new ArgumentException("nothing to add: give --extend-vocab N (N > 0) or --add-tokens FILE");
            new PipelineOptions { TokenizerDir = tokenizerDir }.Validate(options);
        });
        var corpus = r.GetRequiredValue(Corpus);
        OutputFolder.Check(output, Owner, "--out", [(initFrom, "--init-from"), (tokenizerDir, "--tokenizer"), (options.AddTokens, "--add-tokens"), .. CorpusCommand.Inputs(corpus)]);
        ExtendedPair? extended = null;
        OutputFolder.Commit(output, Owner, staging => extended = PairVocabulary.Extend(initFrom, tokenizerDir, corpus, options.ExtendVocab, options.AddTokens, staging,
            new SynchronousProgress<string>(line => Console.WriteLine(line.Replace(staging, output, StringComparison.Ordinal)))));
        Console.WriteLine($"wrote {Path.Combine(output, "discriminator")} and {Path.Combine(output, "generator")} (vocab_size {extended!.VocabSize}); " +
                          $"the new tokens with their old pieces: {Path.Combine(output, PairVocabulary.AddedTokensFileName)}");
        return 0;
    }
}
