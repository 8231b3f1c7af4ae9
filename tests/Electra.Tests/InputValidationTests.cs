using System.Text.Json.Nodes;
using Electra.FineTuning;
using Electra.Interop;
using Electra.Modeling;
using Electra.Retrieval;
using Electra.Tokenization;
using static Electra.Testing.InvalidInputs;

namespace Electra.Tests;

/// <summary>Inputs are checked where they enter the library: config sizes, regression labels, text encodings, id ranges.</summary>
public class InputValidationTests
{
    [Fact]
    public void A_config_that_needs_more_memory_than_the_machine_has_is_refused_naming_the_file_and_the_estimate()
    {
        using var dir = new TestPaths.TempDir();
        string model = HugeModel(dir["huge"]);
        string config = Path.Combine(model, "config.json");
        var e = Assert.Throws<InvalidDataException>(() => Pretrained.ReadConfig(model));
        Assert.StartsWith(config + ": this model needs about ", e.Message);
        Assert.Contains("GB for its float32 weights alone", e.Message);
        Assert.Contains("hidden_size 65536, intermediate_size 1000000000", e.Message);
        Assert.Contains("GB of memory available", e.Message);
        Assert.Throws<InvalidDataException>(() => ElectraConfig.Load(config));
        // the fixture itself (a few MB) loads
        Assert.Equal(64, Pretrained.ReadConfig(Path.Combine(TestPaths.Fixture, "discriminator")).HiddenSize);
    }

    [Fact]
    public void The_weight_estimate_counts_the_encoders_parameters()
    {
        var config = Pretrained.ReadConfig(Path.Combine(TestPaths.Fixture, "discriminator"));
        using var model = new ElectraModel(config);
        long parameters = model.parameters().Sum(p => p.numel());
        Assert.Equal(4.0 * parameters, config.WeightBytes);
    }

    [Fact]
    public void Decimal_labels_next_to_a_word_are_an_error_naming_the_first_non_numeric_label()
    {
        using var dir = new TestPaths.TempDir();
        Directory.CreateDirectory(dir["t"]);
        File.WriteAllLines(dir["t/train.tsv"], ["text\tlabel", "a\t0.5", "b\t1.5", "c\thigh", "d\t2.0", "e\tlow"]);
        File.WriteAllLines(dir["t/dev.tsv"], ["text\tlabel", "a\t0.5"]);
        var e = Assert.Throws<InvalidDataException>(() => ClassificationTask.Load(dir["t"]));
        Assert.Contains(dir["t/train.tsv"] + ":4: label 'high' is not a number, but labels such as '0.5' (line 2) are decimal numbers", e.Message);

        // words with integers stay classes (GLUE's 0/1 next to a named class is a classification task)
        File.WriteAllLines(dir["t/train.tsv"], ["text\tlabel", "a\t0", "b\t1", "c\tneutral"]);
        File.WriteAllLines(dir["t/dev.tsv"], ["text\tlabel", "a\tneutral"]);
        Assert.Equal(new[] { "0", "1", "neutral" }, ClassificationTask.Load(dir["t"]).Labels.Names);
    }

    [Fact]
    public void Task_retrieval_and_tokenizer_inputs_must_be_utf8_text_and_errors_name_file_and_line()
    {
        using var dir = new TestPaths.TempDir();
        foreach (string name in new[] { "b.tsv", "b.conll", "b.txt", "b.jsonl" }) File.WriteAllBytes(dir[name], BinaryBytes());
        File.WriteAllBytes(dir["nul.txt"], "one\ntw\0o\n"u8.ToArray());
        Assert.Contains(dir["b.tsv"] + ":2: invalid UTF-8", Assert.Throws<InvalidDataException>(() => TsvTaskReader.Read(dir["b.tsv"])).Message);
        Assert.Contains(dir["b.conll"] + ":2: invalid UTF-8", Assert.Throws<InvalidDataException>(() => ConllTaskReader.Read(dir["b.conll"])).Message);
        Assert.Contains(dir["b.txt"] + ":2: invalid UTF-8", Assert.Throws<InvalidDataException>(() => RetrievalFiles.ReadTexts(dir["b.txt"])).Message);
        Assert.Contains(dir["b.jsonl"] + ":1: not valid JSON", Assert.Throws<InvalidDataException>(() => RetrievalFiles.ReadDocuments(dir["b.jsonl"])).Message);
        Assert.Contains(dir["b.txt"] + ":2: invalid UTF-8", Assert.Throws<InvalidDataException>(() => RetrievalFiles.ReadQueries(dir["b.txt"])).Message);
        Assert.Contains(dir["nul.txt"] + ":2: NUL byte", Assert.Throws<InvalidDataException>(() => RetrievalFiles.ReadTexts(dir["nul.txt"])).Message);
        Assert.Contains(dir["nul.txt"] + ":2: NUL byte", Assert.Throws<InvalidDataException>(() => Utf8Lines.Read(dir["nul.txt"]).ToList()).Message);
    }

    [Fact]
    public void Control_characters_of_a_bad_header_are_escaped_in_the_message()
    {
        using var dir = new TestPaths.TempDir();
        File.WriteAllText(dir["esc.tsv"], "te\u001b[2Jxt\tlabel\na\tb\n");
        var e = Assert.Throws<InvalidDataException>(() => TsvTaskReader.Read(dir["esc.tsv"]));
        Assert.Contains(@"header 'te\u001B[2Jxt<TAB>label'", e.Message);
        Assert.DoesNotContain('\u001b', e.Message);
    }
}
