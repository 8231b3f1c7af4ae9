using Electra.FineTuning.Prediction;
using Electra.Onnx;
using Electra.Onnx.Export;
using Electra.Tasks;
using Electra.Tokenization;

namespace Electra.Tests.Onnx;

/// <summary>
/// Length-sorted batching (<see cref="LengthBatching"/>) on both runtimes: padding a row to a batch's longest leaves
/// its results alone, so sorted batches write what input-order and one-text batches write, in input order (also
/// through <see cref="Predictor"/>, the library's `electra predict`).
/// </summary>
public class LengthBatchingTests(ExportedHeads heads) : IClassFixture<ExportedHeads>
{
    /// <summary>Mixed lengths (3 to 20-odd word pieces), the longest neither first nor last.</summary>
    static readonly string[] Texts = [.. OnnxHeads.Texts, .. OnnxHeads.Pairs, "the state of the city", "he said"];

    static BatchEncoding Batch(IEnumerable<Encoding> rows) =>
        BatchEncoding.Pad(rows.Select(e => e.Ids).ToList(), rows.Select(e => e.TypeIds).ToList(), OnnxHeads.Tokenizer.PadId);

    /// <summary>Each row's real positions (its first <c>length</c> × <c>per</c> values) out of a padded batch's output.</summary>
    static float[][] Rows(float[] values, BatchEncoding batch, IReadOnlyList<Encoding> rows, bool perToken)
    {
        int per = values.Length / batch.BatchSize / (perToken ? batch.SequenceLength : 1);
        return rows.Select((e, r) => perToken
            ? values.AsSpan(r * batch.SequenceLength * per, e.Length * per).ToArray()
            : values.AsSpan(r * per, per).ToArray()).ToArray();
    }

    [Theory]
    [InlineData("ElectraForSequenceClassification", false)]
    [InlineData("ElectraForTokenClassification", true)]
    [InlineData("ElectraForPreTraining", true)]
    [InlineData("ElectraModel", false)]
    public void A_rows_outputs_are_the_same_alone_and_padded_in_a_batch_of_mixed_lengths_on_both_runtimes(string architecture, bool perToken)
    {
        var encodings = Texts.Select(t => OnnxHeads.Tokenizer.Encode(t)).ToArray();
        Assert.True(encodings.Select(e => e.Length).Distinct().Count() > 4);
        var padded = Batch(encodings);
        using var onnx = ElectraOnnxModel.Load(heads[architecture], new OnnxModelOptions { IntraOpThreads = 1 });
        string output = architecture == "ElectraModel" ? "sentence_embedding" : "logits";
        var torchBatch = Rows(OnnxHeads.Reference(architecture, heads.Sources[architecture], padded)[output], padded, encodings, perToken);
        var onnxBatch = Rows(onnx.Run(padded)[0].Values, padded, encodings, perToken);
        float torchDiff = 0, onnxDiff = 0;
        for (int i = 0; i < encodings.Length; i++)
        {
            var alone = Batch([encodings[i]]);
            var torchAlone = OnnxHeads.Reference(architecture, heads.Sources[architecture], alone)[output];
            var onnxAlone = onnx.Run(alone)[0].Values;
            Assert.Equal(torchAlone.Length, torchBatch[i].Length);
            for (int j = 0; j < torchAlone.Length; j++)
            {
                torchDiff = Math.Max(torchDiff, Math.Abs(torchAlone[j] - torchBatch[i][j]));
                onnxDiff = Math.Max(onnxDiff, Math.Abs(onnxAlone[j] - onnxBatch[i][j]));
            }
        }
        // Measured: ONNX Runtime 0 (6e-8 for mean pooling's sum); TorchSharp up to 6e-6 on logits of order 1 to 10, as
        // libtorch's kernels sum in a shape-dependent order. Outputs written as labels or 4 decimals are the same.
        Assert.True(torchDiff <= 1e-5f && onnxDiff <= 1e-5f, $"TorchSharp {torchDiff}, ONNX Runtime {onnxDiff}");
    }

    [Fact]
    public void Electra_onnx_returns_sorted_batches_results_in_input_order_as_one_text_batches_give_them()
    {
        using var batched = ElectraOnnxModel.Load(heads["ElectraForSequenceClassification"], new OnnxModelOptions { BatchSize = 3, IntraOpThreads = 1 });
        using var single = ElectraOnnxModel.Load(heads["ElectraForSequenceClassification"], new OnnxModelOptions { BatchSize = 1, IntraOpThreads = 1 });
        var pairs = Texts.Reverse().ToArray();
        var expected = Texts.Select((t, i) => single.Classify([t], [pairs[i]])[0]).ToArray();
        var actual = batched.Classify(Texts, pairs);
        Assert.Equal(expected.Select(p => p.Probabilities.Select(x => x.Probability)), actual.Select(p => p.Probabilities.Select(x => x.Probability)));
    }

    [Theory]
    [InlineData("ElectraForSequenceClassification")]
    [InlineData("ElectraForTokenClassification")]
    [InlineData("regression")]
    public void Predict_writes_the_same_file_in_sorted_padded_batches_as_one_text_at_a_time_on_both_runtimes(string architecture)
    {
        using var dir = new TestPaths.TempDir();
        string model = architecture == "regression" ? OnnxHeads.Regression(dir["model"]) : heads.Sources[architecture];
        string onnx = architecture == "regression" ? dir["onnx"] : heads[architecture];
        if (architecture == "regression") OnnxExport.Export(model, onnx);
        string input = architecture == "ElectraForTokenClassification" ? dir["in.conll"] : dir["in.tsv"];
        if (architecture == "ElectraForTokenClassification")
            File.WriteAllLines(input, Texts.SelectMany(t => t.Split(' ').Select(w => $"{w}\tNOUN").Append("")));
        else
            File.WriteAllLines(input, ["text", .. Texts]);
        // What `electra predict --batch N` runs on either runtime.
        using var torch = TorchFineTunedEncoder.Load(model);
        using var onnxModel = ElectraOnnxModel.Load(onnx, new OnnxModelOptions { IntraOpThreads = 1 });
        foreach (var (runtime, encoder) in new (string, IFineTunedEncoder)[] { ("torch", torch), ("onnx", onnxModel) })
        {
            string Predict(int batch)
            {
                string output = dir[$"{runtime}-b{batch}.out"];
                Predictor.Run(encoder, input, output, new PredictionOptions { BatchSize = batch });
                return File.ReadAllText(output);
            }
            Assert.Equal(Predict(1), Predict(3));
        }
    }
}
