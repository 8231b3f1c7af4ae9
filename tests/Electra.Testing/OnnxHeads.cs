using Electra.FineTuning;
using Electra.FineTuning.QuestionAnswering;
using Electra.Interop;
using Electra.Modeling;
using Electra.Retrieval;
using Electra.Tokenization;
using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace Electra.Testing;

/// <summary>
/// One HF folder per exportable head, built from the PyTorch fixture (vocab 1024) so the tokenizer fits: the fixture's
/// discriminator and generator as they are, two fine-tuned classifiers (fixture encoder, head weights scaled up so the
/// logits are far from 0), an HF-layout question-answering folder assembled from ElectraModel + a Linear(H, 2), and a
/// sentence-embedding folder (the fixture's encoder as a normalised mean-pooling bi-encoder).
/// Each comes with the TorchSharp computation the ONNX graph must reproduce.
/// </summary>
public static class OnnxHeads
{
    public static readonly LabelSet Genres = new(["adventure", "government", "news"]);
    public static readonly LabelSet Tags = new(["DET", "NOUN", "VERB", "."]);

    public static string FixtureDiscriminator => Path.Combine(TestPaths.Fixture, "discriminator");
    public static string FixtureGenerator => Path.Combine(TestPaths.Fixture, "generator");

    public static WordPieceTokenizer Tokenizer { get; } = WordPieceTokenizer.Load(FixtureDiscriminator);

    /// <summary>Texts of different lengths, so every batch is padded.</summary>
    public static readonly string[] Texts = ["the man said that he would go to the house .", "it was a day", "they had been there , in the city of the state , for years"];

    public static readonly string[] Pairs = ["where was he ?", "the man who had been there said it was not so", "a day"];

    /// <summary>Writes the folder of <paramref name="architecture"/> into <paramref name="dir"/> and returns it.</summary>
    public static string Folder(string architecture, string dir)
    {
        switch (architecture)
        {
            case "ElectraForPreTraining": return FixtureDiscriminator;
            case "ElectraForMaskedLM": return FixtureGenerator;
            case "ElectraModel":
            {
                using var encoder = SentenceEncoder.Load(FixtureDiscriminator, Pooling.Mean, normalize: true);
                encoder.Save(dir, FixtureDiscriminator);
                return dir;
            }
            case "ElectraForQuestionAnswering":
            {
                torch.manual_seed(7);
                var (encoder, _) = ElectraClassifier.FromPretrained(FixtureDiscriminator, TaskKind.Sequence, Genres);
                using (encoder)
                using (var qa = new QuestionAnswering(encoder.Config))
                {
                    qa.Encoder.load_state_dict(encoder.Electra.state_dict());
                    Pretrained.Save(qa, encoder.Config with { Id2Label = null, Label2Id = null }, "ElectraForQuestionAnswering", dir, FixtureDiscriminator);
                }
                return dir;
            }
            default:
                return architecture == nameof(ElectraForSequenceClassification) ? Classifier(TaskKind.Sequence, Genres, dir) : Classifier(TaskKind.Token, Tags, dir);
        }
    }

    /// <summary>A regression folder (<c>ElectraForSequenceClassification</c> with one output, problem_type regression) in <paramref name="dir"/>.</summary>
    public static string Regression(string dir) => Classifier(TaskKind.Regression, LabelSet.Regression, dir);

    /// <summary>The kinds of <see cref="PredictionCase"/>: one per head `electra predict` labels with.</summary>
    public static readonly string[] PredictionKinds = ["sequence", "pair", "regression", "token", "question answering"];

    /// <summary>
    /// A fine-tuned folder of <paramref name="kind"/> (one of <see cref="PredictionKinds"/>) and an
    /// input file with gold labels for it, for `electra predict` and the library's Predictor.
    /// </summary>
    public static (string Model, string Input) PredictionCase(string kind, TestPaths.TempDir dir)
    {
        switch (kind)
        {
            case "sequence":
                File.WriteAllLines(dir["in.tsv"], ["text\tlabel", .. OnnxHeads.Texts.Select((t, i) => $"{t}\t{OnnxHeads.Genres.Names[i % 3]}")]);
                return (OnnxHeads.Folder(nameof(ElectraForSequenceClassification), dir["model"]), dir["in.tsv"]);
            case "pair":
                File.WriteAllLines(dir["in.tsv"], ["text\ttext_b\tlabel", .. OnnxHeads.Texts.Zip(OnnxHeads.Pairs, (a, b) => $"{a}\t{b}\tnews")]);
                return (OnnxHeads.Folder(nameof(ElectraForSequenceClassification), dir["model"]), dir["in.tsv"]);
            case "regression":
                File.WriteAllLines(dir["in.tsv"], ["text\tlabel", .. OnnxHeads.Texts.Concat(OnnxHeads.Pairs).Select((t, i) => FormattableString.Invariant($"{t}\t{i * 0.5}"))]);
                return (OnnxHeads.Regression(dir["model"]), dir["in.tsv"]);
            case "token":
                File.WriteAllLines(dir["in.conll"], OnnxHeads.Texts.SelectMany(t => t.Split(' ').Select(w => $"{w}\t{(w is "." or "," ? "." : "NOUN")}").Append("")));
                return (OnnxHeads.Folder(nameof(ElectraForTokenClassification), dir["model"]), dir["in.conll"]);
            default: // question answering, SQuAD 2.0, windows of 16 pieces with stride 4 so most contexts span several
                string model = OnnxHeads.Folder(ElectraForQuestionAnswering.Architecture, dir["model"]);
                var settings = new QuestionAnsweringOptions { MaxSeqLength = 16, DocStride = 4, MaxQueryLength = 4, Version2WithNegative = true };
                File.WriteAllText(Path.Combine(model, QuestionAnsweringOptions.FileName), System.Text.Json.JsonSerializer.Serialize(settings));
                string task = SyntheticTasks.Squad(dir["squad"], train: 1, eval: 12, unanswerable: 0.3);
                return (model, Path.Combine(task, "test.json"));
        }
    }

    static string Classifier(TaskKind kind, LabelSet labels, string dir)
    {
        torch.manual_seed(7);
        var (model, _) = ElectraClassifier.FromPretrained(FixtureDiscriminator, kind, labels);
        using (model)
        {
            ScaleHead(model);
            model.Save(dir, FixtureDiscriminator);
        }
        return dir;
    }

    /// <summary>The TorchSharp outputs of the folder's head in eval mode, by ONNX output name.</summary>
    public static Dictionary<string, float[]> Reference(string architecture, string folder, BatchEncoding batch)
    {
        using var scope = NewDisposeScope();
        using var noGrad = no_grad();
        long[] shape = [batch.BatchSize, batch.SequenceLength];
        var ids = tensor(batch.InputIds, shape);
        var mask = tensor(batch.AttentionMask, shape);
        var types = tensor(batch.TokenTypeIds, shape);
        static float[] Host(Tensor t) => t.contiguous().data<float>().ToArray();
        switch (architecture)
        {
            case "ElectraForPreTraining":
            {
                using var m = Pretrained.LoadDiscriminator(folder);
                m.eval();
                return new() { ["logits"] = Host(m.call(ids, mask, types)) };
            }
            case "ElectraForMaskedLM":
            {
                using var m = Pretrained.LoadGenerator(folder);
                m.eval();
                return new() { ["logits"] = Host(m.call(ids, mask, types)) };
            }
            case "ElectraForQuestionAnswering":
            {
                using var m = new QuestionAnswering(Pretrained.ReadConfig(folder));
                Pretrained.LoadWeights(m, folder);
                m.eval();
                var (start, end) = m.call(ids, mask, types);
                return new() { ["start_logits"] = Host(start), ["end_logits"] = Host(end) };
            }
            case "ElectraModel":
            {
                using var m = SentenceEncoder.Load(folder);
                m.eval();
                return new() { ["sentence_embedding"] = Host(nn.functional.normalize(m.call(ids, mask, types), dim: 1)) };
            }
            default:
            {
                using var m = ElectraClassifier.Load(folder);
                m.eval();
                return new() { ["logits"] = Host(m.call(ids, mask, types)) };
            }
        }
    }

    /// <summary>Fresh heads are initialised with σ 0.02; × 25 gives logits of order 1, which a fine-tuned head has.</summary>
    public static void ScaleHead(nn.Module model)
    {
        using var noGrad = no_grad();
        foreach (var (name, p) in model.named_parameters())
            if (!name.StartsWith("electra.", StringComparison.Ordinal)) p.mul_(25);
    }

    /// <summary>HF's ElectraForQuestionAnswering as the test assembles it: the encoder and qa_outputs, a Linear(H, 2).</summary>
    public sealed class QuestionAnswering : nn.Module<Tensor, Tensor, Tensor, (Tensor Start, Tensor End)>
    {
        readonly ElectraModel electra;
        readonly Linear qa_outputs;

        public QuestionAnswering(ElectraConfig config) : base("ElectraForQuestionAnswering")
        {
            electra = new ElectraModel(config);
            qa_outputs = nn.Linear(config.HiddenSize, 2);
            RegisterComponents();
        }

        public ElectraModel Encoder => electra;

        public override (Tensor Start, Tensor End) forward(Tensor ids, Tensor mask, Tensor types)
        {
            using var scope = NewDisposeScope();
            var logits = qa_outputs.call(electra.call(ids, mask, types)); // [B, T, 2]
            return (logits.select(-1, 0).MoveToOuterDisposeScope(), logits.select(-1, 1).MoveToOuterDisposeScope());
        }
    }
}
