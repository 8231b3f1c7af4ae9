using Electra.FineTuning;
using Electra.FineTuning.QuestionAnswering;
using Electra.IO;
using Electra.Interop;
using Electra.Modeling;
using Electra.Retrieval;
using Google.Protobuf;
using Onnx;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace Electra.Onnx.Export;

/// <summary>What <see cref="OnnxExport.Export"/> wrote.</summary>
/// <param name="ModelPath">The <c>model.onnx</c> file.</param>
/// <param name="Architecture">The HF head exported (e.g. <c>ElectraForSequenceClassification</c>).</param>
/// <param name="Opset">The default-domain opset the graph declares.</param>
/// <param name="Outputs">Graph output names (<c>logits</c>, or <c>start_logits</c>/<c>end_logits</c>).</param>
/// <param name="Operators">The distinct ONNX operators the graph uses, sorted.</param>
/// <param name="CopiedFiles">Files copied from the model folder (config and tokenizer).</param>
/// <param name="Quantization">How the encoder's weights are stored.</param>
public sealed record OnnxExportResult(string ModelPath, string Architecture, int Opset, IReadOnlyList<string> Outputs,
    IReadOnlyList<string> Operators, IReadOnlyList<string> CopiedFiles, OnnxQuantization Quantization);

/// <summary>How <see cref="OnnxExport"/> stores the encoder layers' weight matrices.</summary>
public enum OnnxQuantization
{
    /// <summary>float32, as trained: ONNX Runtime matches TorchSharp's logits to about 1e-5.</summary>
    None,

    /// <summary>
    /// Dynamic int8 (ONNX Runtime's <c>quantize_dynamic</c> form): int8 weights with one scale per output column, each
    /// layer input quantized to uint8 at run time over the whole batch, products in int32 on ONNX Runtime's int8
    /// kernels (VNNI where the CPU has it). About 4× smaller encoder weights; the logits move (docs/performance.md
    /// gives the measured accuracy and speed), and because the input scale is taken over the batch, a text's logits
    /// depend slightly on the texts batched with it.
    /// </summary>
    Int8,
}

/// <summary>
/// Exports an HF ELECTRA folder (any head this library has) to ONNX: <c>OUT/model.onnx</c> plus the folder's
/// <c>config.json</c> (which carries the label names as <c>id2label</c>) and tokenizer files, ready for the
/// <c>Electra.Onnx</c> package or any ONNX Runtime. TorchSharp has no ONNX exporter, so the graph is built here from
/// the module structure: standard operators of the default domain only (Gather, Slice, Shape, Add, Sub, Mul, Div,
/// MatMul, Gemm, Reshape, Transpose, Softmax, Erf, Cast, Unsqueeze, Squeeze, Concat, LayerNormalization, Identity; a
/// sentence-embedding <c>ElectraModel</c> folder adds ReduceSum, Sqrt and Max for its pooling and normalisation),
/// GELU as its erf formula, attention as HF's eager <c>ElectraSelfAttention</c> with the additive mask
/// <c>(1 − attention_mask) · </c><see cref="ElectraModel.MaskedScore"/> (the TorchSharp model's constant). Inputs <c>input_ids</c>, <c>attention_mask</c>, <c>token_type_ids</c>
/// are int64 [batch, sequence] with both axes dynamic. The protobuf is written with OnnxSharp's generated
/// <c>onnx.proto</c> classes (Google.Protobuf); weights are float32 initializers under their state_dict keys, so the
/// whole model must stay under protobuf's 2 GB limit (ELECTRA-Large is 1.3 GB).
/// </summary>
public static class OnnxExport
{
    /// <summary>The default opset: 17, the first with <c>LayerNormalization</c>.</summary>
    public const int DefaultOpset = 17;

    /// <summary>The lowest opset accepted (LayerNormalization is an ONNX function from 17 on).</summary>
    public const int MinOpset = 17;

    /// <summary>The highest opset accepted; every operator used keeps its opset-17 semantics up to here.</summary>
    public const int MaxOpset = 21;

    /// <summary>The heads that export: HF class names as <c>config.json</c>'s <c>architectures</c> gives them.</summary>
    public static IReadOnlyList<string> Architectures { get; } =
    [
        "ElectraForPreTraining", "ElectraForMaskedLM", nameof(ElectraForSequenceClassification),
        nameof(ElectraForTokenClassification), ElectraForQuestionAnswering.Architecture, nameof(ElectraModel),
    ];

    /// <summary>
    /// Files copied beside the model when the source folder has them: the config, the tokenizer, question answering's
    /// windowing, decoding and no-answer threshold (so ONNX Runtime answers as the folder's training chose), and a
    /// sentence-embedding folder's sentence-transformers files (for reference).
    /// </summary>
    static readonly string[] CopiedNames = ["config.json", "vocab.txt", "tokenizer_config.json", "special_tokens_map.json", QuestionAnsweringOptions.FileName,
        "modules.json", "sentence_bert_config.json", "1_Pooling/config.json"];

    /// <summary>
    /// Loads the model folder <paramref name="modelDir"/> (its <c>architectures</c> names the head), builds its graph at
    /// <paramref name="opset"/> and writes <c>model.onnx</c> and the copied files into <paramref name="outDir"/>, each
    /// under a temporary name renamed into place. <paramref name="outDir"/> follows the output-folder rule
    /// (<see cref="OutputFolder"/>): absent, empty, or an earlier export, and not <paramref name="modelDir"/> (nor a folder
    /// holding it); other files in an earlier export's folder are left alone.
    /// </summary>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="opset"/> is outside [<see cref="MinOpset"/>, <see cref="MaxOpset"/>].</exception>
    /// <exception cref="InvalidDataException">The folder is not an ELECTRA head this exporter knows, or its weights do not fit.</exception>
    /// <exception cref="OutputFolderException"><paramref name="outDir"/> is the model folder, or holds other files and no earlier export.</exception>
    public static OnnxExportResult Export(string modelDir, string outDir, int opset = DefaultOpset, OnnxQuantization quantization = OnnxQuantization.None)
    {
        if (opset is < MinOpset or > MaxOpset)
            throw new ArgumentOutOfRangeException(nameof(opset), opset, $"opset {opset} is not supported: use {MinOpset} … {MaxOpset} (LayerNormalization needs 17)");
        OutputFolder.Check(outDir, "export-onnx", "--out", (modelDir, "--model"));
        string target = Path.GetFullPath(outDir);
        var config = Pretrained.ReadConfig(modelDir);
        string architecture = ArchitectureOf(config, Path.Combine(modelDir, "config.json"));

        var model = Build(architecture, config, modelDir, opset, quantization);
        string path = Path.Combine(target, "model.onnx");
        var copied = CopiedNames.Where(n => File.Exists(Path.Combine(modelDir, n))).ToList();
        OutputFolder.Commit(outDir, "export-onnx", dir =>
        {
            AtomicFile.Write(Path.Combine(dir, "model.onnx"), model.WriteTo);
            foreach (string name in copied)
            {
                Directory.CreateDirectory(Path.GetDirectoryName(Path.Combine(dir, name))!);
                File.Copy(Path.Combine(modelDir, name), Path.Combine(dir, name));
            }
        });
        return new OnnxExportResult(path, architecture, opset, model.Graph.Output.Select(o => o.Name).ToList(),
            model.Graph.Node.Select(n => n.OpType).Distinct().Order(StringComparer.Ordinal).ToList(), copied, quantization);
    }

    /// <summary>The ONNX model of the folder <paramref name="modelDir"/> without writing it (what <see cref="Export"/> writes).</summary>
    public static ModelProto Build(string modelDir, int opset = DefaultOpset, OnnxQuantization quantization = OnnxQuantization.None)
    {
        var config = Pretrained.ReadConfig(modelDir);
        return Build(ArchitectureOf(config, Path.Combine(modelDir, "config.json")), config, modelDir, opset, quantization);
    }

    static ModelProto Build(string architecture, ElectraConfig config, string modelDir, int opset, OnnxQuantization quantization)
    {
        using var module = Load(architecture, modelDir);
        var weights = module.state_dict();
        var embedding = module is SentenceEncoder encoder ? (encoder.Pooling, encoder.Normalize) : default;
        var model = new ModelProto
        {
            IrVersion = IrVersion(opset),
            ProducerName = "Electra",
            ProducerVersion = typeof(OnnxExport).Assembly.GetName().Version?.ToString(3) ?? "",
            DocString = $"{architecture} exported from {Path.GetFileName(Path.GetFullPath(modelDir).TrimEnd(Path.DirectorySeparatorChar))}"
                + (quantization == OnnxQuantization.Int8 ? ", encoder weights dynamic int8" : ""),
            Graph = ElectraOnnxGraph.Build(architecture, config, weights, embedding, quantization == OnnxQuantization.Int8),
        };
        model.OpsetImport.Add(new OperatorSetIdProto { Domain = "", Version = opset });
        return model;
    }

    /// <summary>The IR version that introduced <paramref name="opset"/> (onnx/docs/Versioning.md): 8 for 17–18, 9 for 19–20, 10 for 21.</summary>
    static long IrVersion(int opset) => opset switch { <= 18 => 8, <= 20 => 9, _ => 10 };

    static string ArchitectureOf(ElectraConfig config, string path)
    {
        var known = config.Architectures?.Where(Architectures.Contains).ToList() ?? [];
        if (known.Count != 1)
            throw new InvalidDataException($"{path}: architectures [{string.Join(", ", config.Architectures ?? [])}] names no single exportable head ({string.Join(", ", Architectures)})");
        return known[0];
    }

    /// <summary>The eval-mode module of the folder, loaded through the library's all-or-nothing loaders.</summary>
    static nn.Module Load(string architecture, string modelDir)
    {
        nn.Module module = architecture switch
        {
            "ElectraForPreTraining" => Pretrained.LoadDiscriminator(modelDir),
            "ElectraForMaskedLM" => Pretrained.LoadGenerator(modelDir),
            ElectraForQuestionAnswering.Architecture => ElectraForQuestionAnswering.Load(modelDir),
            nameof(ElectraModel) => SentenceEncoder.Load(modelDir), // a bi-encoder: the folder's pooling and normalisation
            _ => ElectraClassifier.Load(modelDir),
        };
        module.eval();
        return module;
    }
}
