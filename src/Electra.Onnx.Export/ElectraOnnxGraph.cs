using Electra.Modeling;
using Onnx;
using static TorchSharp.torch;

namespace Electra.Onnx.Export;

/// <summary>
/// The ONNX graph of an ELECTRA head, built block by block from HF's module structure (<c>modeling_electra.py</c>, eval
/// mode: no dropout) with the weights under their state_dict keys. Inputs <c>input_ids</c>, <c>attention_mask</c>,
/// <c>token_type_ids</c> (int64 [batch, sequence]); outputs named as HF's model outputs.
/// </summary>
static class ElectraOnnxGraph
{
    const TensorProto.Types.DataType Int64 = TensorProto.Types.DataType.Int64;
    const TensorProto.Types.DataType Float = TensorProto.Types.DataType.Float;

    /// <summary>
    /// Builds the graph of <paramref name="architecture"/> (an HF class name) from <paramref name="weights"/>;
    /// <paramref name="embedding"/> is the pooling and normalisation of an <c>ElectraModel</c> (sentence-embedding) folder;
    /// with <paramref name="int8"/> the encoder layers' linear maps run as dynamic int8 products (the embeddings, their
    /// projection and the heads stay float32).
    /// </summary>
    public static GraphProto Build(string architecture, ElectraConfig config, IReadOnlyDictionary<string, Tensor> weights,
        (Pooling Pooling, bool Normalize) embedding = default, bool int8 = false)
    {
        var g = new OnnxGraphBuilder();
        g.Graph.Name = architecture;
        string ids = g.Input("input_ids", Int64, "batch", "sequence");
        string mask = g.Input("attention_mask", Int64, "batch", "sequence");
        string types = g.Input("token_type_ids", Int64, "batch", "sequence");
        string hidden = Encoder(g, config, weights, ids, mask, types, int8); // [B, T, H]
        switch (architecture)
        {
            case "ElectraForPreTraining":
            {
                // ElectraDiscriminatorPredictions: dense_prediction(gelu(dense(h))).squeeze(-1)
                string h = g.Gelu(g.Linear(hidden, "discriminator_predictions.dense", weights));
                string logits = g.Node("Squeeze", [g.Linear(h, "discriminator_predictions.dense_prediction", weights), g.Int64s(-1)]); // [B, T]
                g.Output(logits, "logits", Float, "batch", "sequence");
                break;
            }
            case "ElectraForMaskedLM":
            {
                // ElectraGeneratorPredictions: LayerNorm(gelu(dense(h))); generator_lm_head is tied to the word table [V, E],
                // so it is applied as Gemm(x, Wᵀ) on [B·T, E] and the table is stored once.
                string h = g.LayerNorm(g.Gelu(g.Linear(hidden, "generator_predictions.dense", weights)), "generator_predictions.LayerNorm", weights, config.LayerNormEps);
                string flat = g.Node("Reshape", [h, g.Int64s(-1, config.EmbeddingSize)]); // [B*T, E]
                string bias = g.Initializer("generator_lm_head.bias", OnnxGraphBuilder.Weight(weights, "generator_lm_head.bias"));
                string scores = g.Node("Gemm", [flat, "electra.embeddings.word_embeddings.weight", bias], attributes: ("transB", 1L)); // [B*T, V]
                string shape = g.Node("Concat", [g.Node("Shape", [ids]), g.Int64s(config.VocabSize)], attributes: ("axis", 0L)); // [B, T, V]
                g.Output(g.Node("Reshape", [scores, shape]), "logits", Float, "batch", "sequence", config.VocabSize);
                break;
            }
            case "ElectraForSequenceClassification":
            {
                // ElectraClassificationHead on [CLS]: out_proj(gelu(dense(h[:, 0])))
                string cls = g.Node("Gather", [hidden, g.Int64Scalar(0)], attributes: ("axis", 1L)); // [B, H]
                string logits = g.Linear(g.Gelu(g.Linear(cls, "classifier.dense", weights)), "classifier.out_proj", weights); // [B, C]
                g.Output(logits, "logits", Float, "batch", Labels(config));
                break;
            }
            case "ElectraForTokenClassification":
                g.Output(g.Linear(hidden, "classifier", weights), "logits", Float, "batch", "sequence", Labels(config)); // [B, T, C]
                break;
            case "ElectraForQuestionAnswering":
            {
                // qa_outputs: Linear(H, 2), then logits.split(1, dim=-1) squeezed: start = [..., 0], end = [..., 1]
                string both = g.Linear(hidden, "qa_outputs", weights); // [B, T, 2]
                g.Output(g.Node("Gather", [both, g.Int64Scalar(0)], attributes: ("axis", 2L)), "start_logits", Float, "batch", "sequence");
                g.Output(g.Node("Gather", [both, g.Int64Scalar(1)], attributes: ("axis", 2L)), "end_logits", Float, "batch", "sequence");
                break;
            }
            case nameof(ElectraModel):
                g.Output(SentenceEmbedding(g, hidden, mask, embedding.Pooling, embedding.Normalize), "sentence_embedding", Float, "batch", config.HiddenSize); // [B, H]
                break;
            default:
                throw new NotSupportedException($"architecture {architecture} has no ONNX export");
        }
        return g.Graph;
    }

    /// <summary>
    /// SentenceEncoder.Pool (mean over the mask, or position 0), then torch's normalize (x / max(‖x‖₂, 1e-12)) when the
    /// folder is normalised. [B, T, H] → [B, H].
    /// </summary>
    static string SentenceEmbedding(OnnxGraphBuilder g, string hidden, string mask, Pooling pooling, bool normalize)
    {
        string pooled;
        if (pooling == Pooling.Cls) pooled = g.Node("Gather", [hidden, g.Int64Scalar(0)], attributes: ("axis", 1L)); // [B, H]
        else
        {
            string keep = g.Node("Unsqueeze", [g.Node("Cast", [mask], attributes: ("to", (long)Float)), g.Int64s(-1)]); // [B, T, 1]
            string sum = g.Node("ReduceSum", [g.Node("Mul", [hidden, keep]), g.Int64s(1)], attributes: ("keepdims", 0L)); // [B, H]
            string count = g.Node("Max", [g.Node("ReduceSum", [keep, g.Int64s(1)], attributes: ("keepdims", 0L)), g.Scalar(1f)]); // [B, 1]
            pooled = g.Node("Div", [sum, count]);
        }
        if (!normalize) return pooled;
        // ‖x‖₂ as Sqrt(ReduceSum(x²)): ReduceSum takes its axes as an input from opset 13, ReduceL2 only from 18.
        string squares = g.Node("ReduceSum", [g.Node("Mul", [pooled, pooled]), g.Int64s(1)], attributes: ("keepdims", 1L)); // [B, 1]
        string norm = g.Node("Max", [g.Node("Sqrt", [squares]), g.Scalar(1e-12f)]); // [B, 1]
        return g.Node("Div", [pooled, norm]);
    }

    static int Labels(ElectraConfig config) => config.Id2Label?.Count ?? throw new InvalidDataException("a classifier's config.json needs id2label");

    /// <summary>ElectraModel: embeddings, embeddings_project, then the layers. → hidden states [B, T, H].</summary>
    static string Encoder(OnnxGraphBuilder g, ElectraConfig config, IReadOnlyDictionary<string, Tensor> weights, string ids, string mask, string types, bool int8)
    {
        const string E = "electra.embeddings.";
        // Positions 0 … T−1 are the first T rows of the table (HF's position_ids buffer sliced to the length).
        string length = g.Node("Shape", [ids], attributes: [("start", 1L), ("end", 2L)]); // [1] = T
        string positions = g.Node("Slice", [g.Initializer(E + "position_embeddings.weight", OnnxGraphBuilder.Weight(weights, E + "position_embeddings.weight")), g.Int64s(0), length, g.Int64s(0)]); // [T, E]
        string words = g.Node("Gather", [g.Initializer(E + "word_embeddings.weight", OnnxGraphBuilder.Weight(weights, E + "word_embeddings.weight")), ids], attributes: ("axis", 0L)); // [B, T, E]
        string segments = g.Node("Gather", [g.Initializer(E + "token_type_embeddings.weight", OnnxGraphBuilder.Weight(weights, E + "token_type_embeddings.weight")), types], attributes: ("axis", 0L)); // [B, T, E]
        string x = g.LayerNorm(g.Node("Add", [g.Node("Add", [words, segments]), positions]), E + "LayerNorm", weights, config.LayerNormEps);
        if (config.EmbeddingSize != config.HiddenSize) x = g.Linear(x, "electra.embeddings_project", weights); // [B, T, H]

        // HF's get_extended_attention_mask, (1 − mask) · masked score, broadcast over heads and queries; the score is the
        // TorchSharp model's (ElectraModel.MaskedScore, −1e30; HF uses finfo(float32).min): exp gives exactly 0 either way.
        string keep = g.Node("Cast", [mask], attributes: ("to", (long)Float));
        string additive = g.Node("Mul", [g.Node("Sub", [g.Scalar(1f), keep]), g.Scalar(ElectraModel.MaskedScore)]);
        string keyMask = g.Node("Unsqueeze", [additive, g.Int64s(1, 2)]); // [B, 1, 1, T]

        for (int i = 0; i < config.NumHiddenLayers; i++)
            x = Layer(g, config, weights, $"electra.encoder.layer.{i}.", x, keyMask, int8);
        return x;
    }

    /// <summary>ElectraLayer (post-LN BERT layer, HF's eager ElectraSelfAttention). [B, T, H] → [B, T, H].</summary>
    static string Layer(OnnxGraphBuilder g, ElectraConfig config, IReadOnlyDictionary<string, Tensor> weights, string p, string x, string keyMask, bool int8)
    {
        string Linear(string input, string key) => g.Linear(input, p + key, weights, int8);
        int heads = config.NumAttentionHeads, size = config.HeadSize;
        string Heads(string key, long[] perm) => g.Node("Transpose", [g.Node("Reshape", [Linear(x, "attention.self." + key), g.Int64s(0, 0, heads, size)])], attributes: ("perm", perm));
        string q = Heads("query", [0, 2, 1, 3]); // [B, nh, T, hd]
        string kT = Heads("key", [0, 2, 3, 1]); // [B, nh, hd, T]
        string v = Heads("value", [0, 2, 1, 3]); // [B, nh, T, hd]
        string scores = g.Node("Add", [g.Node("Div", [g.Node("MatMul", [q, kT]), g.Scalar(MathF.Sqrt(size))]), keyMask]); // [B, nh, T, T]
        string context = g.Node("MatMul", [g.Node("Softmax", [scores], attributes: ("axis", -1L)), v]); // [B, nh, T, hd]
        string merged = g.Node("Reshape", [g.Node("Transpose", [context], attributes: ("perm", new long[] { 0, 2, 1, 3 })), g.Int64s(0, 0, config.HiddenSize)]); // [B, T, H]
        string a = g.LayerNorm(g.Node("Add", [Linear(merged, "attention.output.dense"), x]), p + "attention.output.LayerNorm", weights, config.LayerNormEps);
        string ffn = Linear(g.Gelu(Linear(a, "intermediate.dense")), "output.dense");
        return g.LayerNorm(g.Node("Add", [ffn, a]), p + "output.LayerNorm", weights, config.LayerNormEps);
    }
}
