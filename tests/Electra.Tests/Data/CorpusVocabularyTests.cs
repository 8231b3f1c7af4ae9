using System.Text.Json.Nodes;
using Electra.Data;
using Electra.Tokenization;

namespace Electra.Tests.Data;

/// <summary>The tokenizer learns from the sentences the dataset is built from, whatever the corpus format.</summary>
public class CorpusVocabularyTests : IDisposable
{
    readonly DataTestKit kit = new();

    public void Dispose() => kit.Dispose();

    /// <summary>
    /// Moby-Dick's first documents as plain text and as the same documents in .jsonl (one paragraph per sentence; only
    /// sentences the splitter keeps whole, so both layouts hold exactly the same sentences).
    /// </summary>
    (string Text, string Jsonl) SameCorpusTwoWays()
    {
        var documents = CorpusReader.ReadDocuments([Path.Combine(TestPaths.Pretrain, "moby-dick.txt")]).Take(300)
            .Select(d => d.Sentences.Where(s => SentenceSplitter.Split(s) is [var whole] && whole == s).ToList()).Where(d => d.Count > 0).ToList();
        string text = kit.Write("corpus.txt", string.Join("\n\n", documents.Select(d => string.Join("\n", d))) + "\n");
        string jsonl = kit.Write("corpus.jsonl", string.Concat(documents.Select((d, i) =>
            new JsonObject { ["text"] = string.Join("\n\n", d), ["id"] = i }.ToJsonString() + "\n")));
        return (text, jsonl);
    }

    [Fact]
    public void A_jsonl_corpus_trains_the_vocabulary_of_its_text_field()
    {
        var (text, jsonl) = SameCorpusTwoWays();
        Assert.Equal(CorpusReader.ReadDocuments([text]).SelectMany(d => d.Sentences), CorpusReader.ReadDocuments([jsonl]).SelectMany(d => d.Sentences));
        var options = new WordPieceTrainerOptions { VocabSize = 400 };
        var fromText = CorpusVocabulary.Train([text], options);
        var fromJsonl = CorpusVocabulary.Train([jsonl], options);
        Assert.Equal(fromText.Vocabulary, fromJsonl.Vocabulary);
        Assert.NotEqual(fromJsonl.Vocabulary, WordPieceTrainer.TrainFromFiles([jsonl], options).Vocabulary); // raw lines: JSON syntax learnt too
    }

    [Fact]
    public void Tokenizer_train_reads_jsonl_as_the_dataset_does()
    {
        // `electra tokenizer train` is CorpusVocabulary.Train, then Save: both layouts write the same vocab.txt.
        var (text, jsonl) = SameCorpusTwoWays();
        var options = new WordPieceTrainerOptions { VocabSize = 400 };
        foreach (var (name, corpus) in new[] { ("from-text", text), ("from-jsonl", jsonl) })
            CorpusVocabulary.Train([corpus], options).Save(kit.PathOf(name));
        Assert.Equal(File.ReadAllLines(kit.PathOf("from-text/vocab.txt")), File.ReadAllLines(kit.PathOf("from-jsonl/vocab.txt")));
        Assert.Equal(CorpusVocabulary.Train([jsonl], options).Vocabulary, File.ReadAllLines(kit.PathOf("from-jsonl/vocab.txt")));
    }

    [Fact]
    public void A_very_long_line_and_repeated_vocabulary_lines_are_warned_about()
    {
        string line = string.Join(' ', Enumerable.Repeat("Call me Ishmael.", CorpusReader.LongDocumentCharacters / 16 + 1));
        string corpus = kit.Write("book-on-one-line.txt", "A short document.\n\n" + line + "\n");
        var warnings = new List<string>();
        Assert.Equal(2, CorpusReader.ReadDocuments([corpus], warnings.Add).Count());
        var warning = Assert.Single(warnings);
        Assert.StartsWith($"{corpus}:3: one line of {line.Length / 1e6:F1} M characters", warning);

        string vocab = kit.Write("vocab/vocab.txt", "[PAD]\n[UNK]\n[CLS]\n[SEP]\n[MASK]\nwhale\nship\nwhale\n");
        var tokenizer = WordPieceTokenizer.Load(vocab);
        Assert.Equal(["whale"], tokenizer.DuplicateTokens);
        Assert.Equal(8, tokenizer.VocabSize); // HF keeps every line as an id …
        Assert.Equal(7, tokenizer.Encode("whale").Ids[1]); // … and a repeated token maps to its last line
        // What the commands that load a vocabulary print (`tokenizer encode`: CliTests in Electra.Cli.Tests).
        Assert.Contains("1 token is listed more than once (\"whale\")", TokenizerVocabulary.DuplicatesWarning(tokenizer, vocab));
    }
}
