using Electra.FineTuning.QuestionAnswering;
using Electra.Onnx.Export;
using Electra.Onnx;

namespace Electra.Tests.Onnx;

/// <summary>Every head exported once, for the tests of what Electra.Onnx reads out of them.</summary>
public sealed class ExportedHeads : IDisposable
{
    readonly TestPaths.TempDir tmp = new();

    public ExportedHeads()
    {
        foreach (string architecture in OnnxExport.Architectures)
        {
            string folder = OnnxHeads.Folder(architecture, tmp["model-" + architecture]);
            OnnxExport.Export(folder, tmp[architecture]);
            Sources[architecture] = folder;
        }
    }

    /// <summary>The HF folder each head was exported from.</summary>
    public Dictionary<string, string> Sources { get; } = new();

    /// <summary>The exported folder of <paramref name="architecture"/>.</summary>
    public string this[string architecture] => tmp[architecture];

    public void Dispose() => tmp.Dispose();
}

/// <summary>The meaning of each head as Electra.Onnx reports it, checked against TorchSharp's logits.</summary>
public class ElectraOnnxModelTests(ExportedHeads heads) : IClassFixture<ExportedHeads>
{
    static float[] Softmax(IEnumerable<float> logits)
    {
        var x = logits.ToArray();
        float max = x.Max();
        var e = x.Select(v => MathF.Exp(v - max)).ToArray();
        return e.Select(v => v / e.Sum()).ToArray();
    }

    Dictionary<string, float[]> Reference(string architecture, IReadOnlyList<string> texts, IReadOnlyList<string>? pairs = null) =>
        OnnxHeads.Reference(architecture, heads.Sources[architecture], OnnxHeads.Tokenizer.EncodeBatch(texts, pairs));

    [Fact]
    public void Classify_gives_label_names_and_the_softmax_of_torchsharps_logits_for_texts_and_pairs()
    {
        using var model = ElectraOnnxModel.Load(heads["ElectraForSequenceClassification"], new OnnxModelOptions { BatchSize = 2 });
        Assert.Equal(OnnxHead.SequenceClassification, model.Head);
        Assert.Equal(OnnxHeads.Genres.Names, model.Labels);
        var predictions = model.Classify(OnnxHeads.Texts, OnnxHeads.Pairs);
        var logits = Reference("ElectraForSequenceClassification", OnnxHeads.Texts, OnnxHeads.Pairs)["logits"];
        int C = OnnxHeads.Genres.Count;
        for (int i = 0; i < predictions.Count; i++)
        {
            var expected = Softmax(logits.Skip(i * C).Take(C));
            Assert.Equal(OnnxHeads.Genres.Names, predictions[i].Probabilities.Select(p => p.Label));
            for (int c = 0; c < C; c++) Assert.Equal(expected[c], predictions[i].Probabilities[c].Probability, 1e-4f);
            Assert.Equal(OnnxHeads.Genres.Names[Array.IndexOf(expected, expected.Max())], predictions[i].Label);
        }
    }

    [Fact]
    public void LabelWords_labels_each_word_by_its_first_piece_with_offsets_into_the_text()
    {
        using var model = ElectraOnnxModel.Load(heads["ElectraForTokenClassification"]);
        string text = OnnxHeads.Texts[2];
        var words = model.LabelWords([text])[0];
        Assert.Equal(text.Split(' '), words.Select(w => w.Word)); // the text's words are space-separated, punctuation included
        Assert.All(words, w => Assert.Equal(w.Word, text[w.Start..w.End]));
        var encoding = OnnxHeads.Tokenizer.Encode(text);
        var logits = Reference("ElectraForTokenClassification", [text])["logits"];
        int C = OnnxHeads.Tags.Count;
        foreach (var w in words)
        {
            int first = Array.FindIndex(encoding.Offsets, o => o.Start == w.Start && o.End > o.Start);
            var p = Softmax(logits.Skip(first * C).Take(C));
            Assert.Equal(OnnxHeads.Tags.Names[Array.IndexOf(p, p.Max())], w.Label);
            Assert.Equal(p.Max(), w.Probability, 1e-4f);
        }
    }

    /// <summary>
    /// ONNX Runtime answers as the TorchSharp predictor does, through the same windows and decoder: 12 contexts of
    /// 14–30 words in windows of 16 pieces (so most answers come from a later window), batches of 5 padded to their
    /// longest, one question cut to the max query length, and SQuAD 2.0 with the threshold at the median null-score
    /// difference, so about half the questions abstain.
    /// </summary>
    [Fact]
    public void Answer_equals_the_torchsharp_predictor_over_windows_with_abstentions()
    {
        string folder = heads.Sources["ElectraForQuestionAnswering"];
        var rng = new Random(11);
        string[] words = ["the", "man", "was", "in", "city", "of", "state", "for", "years", "who", "had", "been", "there", "said", "it", "not", "so", "day"];
        var examples = Enumerable.Range(0, 12).Select(i => new SquadExample($"q{i}",
            i == 0 ? "who was the man who had been in the city ?" : "where was he ?",
            string.Join(' ', Enumerable.Range(0, rng.Next(14, 31)).Select(_ => words[rng.Next(words.Length)])), [], false)).ToList();
        var settings = new QuestionAnsweringOptions { MaxSeqLength = 16, DocStride = 4, MaxQueryLength = 5, Version2WithNegative = true };

        using var torchPredictor = QuestionAnsweringPredictor.Load(folder, _ => settings);
        var windows = QuestionAnsweringWindow.Build(examples, torchPredictor.Tokenizer, settings, "questions");
        var diffs = QuestionAnsweringPredictor.Decode(torchPredictor.Model, examples, windows, settings, torchPredictor.Tokenizer.PadId).Select(p => p.NullScoreDiff).Order().ToList();
        settings = settings with { NullScoreDiffThreshold = (diffs[5] + diffs[6]) / 2 };
        using var predictor = QuestionAnsweringPredictor.Load(folder, _ => settings);
        var truncatedTorch = new List<string>();
        var expected = predictor.Predict(examples, "questions", batchSize: 3, truncated: e => truncatedTorch.Add(e.Id));

        using var model = ElectraOnnxModel.Load(heads["ElectraForQuestionAnswering"], new OnnxModelOptions { BatchSize = 5, QuestionAnswering = settings });
        Assert.Equal(settings, model.QuestionAnswering);
        var truncated = new List<string>();
        Assert.Equal(expected, model.Answer(examples, "questions", e => truncated.Add(e.Id)));
        Assert.Contains("q0", truncated); // 10 word pieces or more
        Assert.Equal(truncatedTorch, truncated);
        Assert.Equal(6, expected.Values.Count(a => a == ""));

        var spans = model.Answer(examples.Select(e => e.Question).ToList(), examples.Select(e => e.Context).ToList());
        Assert.Equal(examples.Select(e => expected[e.Id]), spans.Select(s => s.Text));
        Assert.All(spans.Select((s, i) => (s, i)), x => Assert.Equal(examples[x.i].Context[x.s.Start..x.s.End], x.s.Text));
        // Some answers lie past the first window's context: only windowing reaches them.
        var firstWindowEnd = examples.Select((e, i) => windows.First(w => w.Example == i).Offsets.Max(o => o.End)).ToList();
        Assert.Contains(spans.Select((s, i) => (s, i)), x => x.s.Text.Length > 0 && x.s.Start >= firstWindowEnd[x.i]);
    }

    [Fact]
    public void ReplacedTokenProbabilities_are_the_sigmoid_of_the_discriminator_logits()
    {
        using var model = ElectraOnnxModel.Load(heads["ElectraForPreTraining"]);
        var tokens = model.ReplacedTokenProbabilities(OnnxHeads.Texts);
        var logits = Reference("ElectraForPreTraining", OnnxHeads.Texts)["logits"];
        int L = OnnxHeads.Tokenizer.EncodeBatch(OnnxHeads.Texts).SequenceLength;
        for (int i = 0; i < tokens.Count; i++)
        {
            Assert.Equal(OnnxHeads.Tokenizer.Encode(OnnxHeads.Texts[i]).Tokens, tokens[i].Select(t => t.Token)); // no padding
            for (int t = 0; t < tokens[i].Length; t++)
                Assert.Equal(1f / (1f + MathF.Exp(-logits[i * L + t])), tokens[i][t].Probability, 1e-5f);
        }
    }

    [Fact]
    public void FillMask_ranks_the_generators_candidates_at_each_mask()
    {
        using var model = ElectraOnnxModel.Load(heads["ElectraForMaskedLM"]);
        string text = "the man [MASK] that he would go to the [MASK] .";
        var masks = model.FillMask([text], topK: 3)[0];
        var encoding = OnnxHeads.Tokenizer.Encode(text);
        Assert.Equal(Enumerable.Range(0, encoding.Length).Where(t => encoding.Tokens[t] == "[MASK]"), masks.Select(m => m.Position));
        var logits = Reference("ElectraForMaskedLM", [text])["logits"];
        int V = model.VocabSize;
        foreach (var m in masks)
        {
            var row = logits.Skip(m.Position * V).Take(V).ToArray();
            var top = Enumerable.Range(0, V).OrderByDescending(v => row[v]).Take(3).Select(OnnxHeads.Tokenizer.IdToToken);
            Assert.Equal(top, m.Candidates.Select(c => c.Token));
        }
    }

    [Fact]
    public void One_model_serves_many_threads_with_the_results_of_one()
    {
        using var model = ElectraOnnxModel.Load(heads["ElectraForSequenceClassification"]);
        var single = model.Classify(OnnxHeads.Texts);
        var parallel = new ClassPrediction[16][];
        Parallel.For(0, parallel.Length, new ParallelOptions { MaxDegreeOfParallelism = 4 }, i => parallel[i] = model.Classify(OnnxHeads.Texts).ToArray());
        Assert.All(parallel, p => Assert.Equal(single.Select(s => s.Probabilities.Select(x => x.Probability)), p.Select(s => s.Probabilities.Select(x => x.Probability))));
    }

    [Fact]
    public void Misuse_is_a_clear_error()
    {
        using var model = ElectraOnnxModel.Load(heads["ElectraForPreTraining"]);
        Assert.Contains("ElectraForPreTraining", Assert.Throws<InvalidOperationException>(() => model.Classify(["x"])).Message);
        Assert.Contains("max_position_embeddings", Assert.Throws<ArgumentException>(() => model.Run(new long[200], new long[200], new long[200], 1, 200)).Message);
        Assert.Contains("vocabulary", Assert.Throws<ArgumentException>(() => model.Run([5000], [1], [0], 1, 1)).Message);
        Assert.Throws<ArgumentException>(() => model.Run([1, 2], [1], [0], 1, 2));
        using var tmp = new TestPaths.TempDir();
        Assert.Contains("no model.onnx", Assert.Throws<FileNotFoundException>(() => ElectraOnnxModel.Load(tmp.Path)).Message);
        Assert.Throws<NotSupportedException>(() => ElectraOnnxModel.Load(heads["ElectraForPreTraining"], new OnnxModelOptions { Provider = ExecutionProvider.Cuda }));
    }
}
