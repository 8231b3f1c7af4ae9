using Electra.FineTuning;
using Electra.FineTuning.QuestionAnswering;
using Electra.Interop;
using Electra.Modeling;
using Electra.Retrieval;
using Google.Protobuf;
using Onnx;
using TorchSharp;
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
public sealed record OnnxExportResult(string ModelPath, string Architecture, int Opset, IReadOnlyList<string> Outputs,
    IReadOnlyList<string> Operators, IReadOnlyList<string> CopiedFiles);

/// <summary>
/// Exports an HF ELECTRA folder (any head this library has) to ONNX: <c>OUT/model.onnx</c> plus the folder's
/// <c>config.json</c> (which carries the label names as <c>id2label</c>) and tokenizer files, ready for the
/// <c>Electra.Onnx</c> package or any ONNX Runtime. TorchSharp has no ONNX exporter, so the graph is built here from
/// the module structure: standard operators of the default domain only (Gather, Slice, Shape, Add, Sub, Mul, Div,
/// MatMul, Gemm, Reshape, Transpose, Softmax, Erf, Cast, Unsqueeze, Squeeze, Concat, LayerNormalization, Identity; a
/// sentence-embedding <c>ElectraModel</c> folder adds ReduceSum, Sqrt and Max for its pooling and normalisation),
/// GELU as its erf formula, attention as HF's eager <c>ElectraSelfAttention</c> with the additive mask
/// <c>(1 − attention_mask) · float.MinValue</c>. Inputs <c>input_ids</c>, <c>attention_mask</c>, <c>token_type_ids</c>
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

    /// <summary>Tokenizer files copied beside the model when the source folder has them.</summary>
    static readonly string[] CopiedNames = ["config.json", "vocab.txt", "tokenizer_config.json", "special_tokens_map.json",
        "modules.json", "sentence_bert_config.json", "1_Pooling/config.json"]; // the last three: a sentence-embedding folder's, for reference

    /// <summary>
    /// Loads the model folder <paramref name="modelDir"/> (its <c>architectures</c> names the head), builds its graph at
    /// <paramref name="opset"/> and writes <c>model.onnx</c> and the copied files into <paramref name="outDir"/>, each
    /// under a temporary name renamed into place. <paramref name="outDir"/> must be absent, empty, or hold an earlier
    /// export (a <c>model.onnx</c>), and not be <paramref name="modelDir"/> itself; other files in it are left alone.
    /// </summary>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="opset"/> is outside [<see cref="MinOpset"/>, <see cref="MaxOpset"/>].</exception>
    /// <exception cref="InvalidDataException">The folder is not an ELECTRA head this exporter knows, or its weights do not fit.</exception>
    /// <exception cref="IOException"><paramref name="outDir"/> is the model folder, or holds other files and no earlier export.</exception>
    public static OnnxExportResult Export(string modelDir, string outDir, int opset = DefaultOpset)
    {
        if (opset is < MinOpset or > MaxOpset)
            throw new ArgumentOutOfRangeException(nameof(opset), opset, $"opset {opset} is not supported: use {MinOpset} … {MaxOpset} (LayerNormalization needs 17)");
        string target = Path.GetFullPath(outDir);
        if (target.TrimEnd(Path.DirectorySeparatorChar) == Path.GetFullPath(modelDir).TrimEnd(Path.DirectorySeparatorChar))
            throw new IOException($"{outDir} is the model folder itself; export into a folder of its own");
        if (Directory.Exists(target) && Directory.EnumerateFileSystemEntries(target).Any() && !File.Exists(Path.Combine(target, "model.onnx")))
            throw new IOException($"{outDir} exists and holds other files; give a new or empty folder (or an earlier export to replace)");
        var config = Pretrained.ReadConfig(modelDir);
        string architecture = ArchitectureOf(config, Path.Combine(modelDir, "config.json"));

        var model = Build(architecture, config, modelDir, opset);
        string path = Path.Combine(target, "model.onnx");
        AtomicFile.Write(path, model.WriteTo);
        var copied = new List<string>();
        foreach (string name in CopiedNames.Where(n => File.Exists(Path.Combine(modelDir, n))))
        {
            Directory.CreateDirectory(Path.GetDirectoryName(Path.Combine(target, name))!);
            AtomicFile.Write(Path.Combine(target, name), s => { using var source = File.OpenRead(Path.Combine(modelDir, name)); source.CopyTo(s); });
            copied.Add(name);
        }
        return new OnnxExportResult(path, architecture, opset, model.Graph.Output.Select(o => o.Name).ToList(),
            model.Graph.Node.Select(n => n.OpType).Distinct().Order(StringComparer.Ordinal).ToList(), copied);
    }

    /// <summary>The ONNX model of the folder <paramref name="modelDir"/> without writing it (what <see cref="Export"/> writes).</summary>
    public static ModelProto Build(string modelDir, int opset = DefaultOpset)
    {
        var config = Pretrained.ReadConfig(modelDir);
        return Build(ArchitectureOf(config, Path.Combine(modelDir, "config.json")), config, modelDir, opset);
    }

    static ModelProto Build(string architecture, ElectraConfig config, string modelDir, int opset)
    {
        using var module = Load(architecture, modelDir);
        var weights = module.state_dict();
        var embedding = module is SentenceEncoder encoder ? (encoder.Pooling, encoder.Normalize) : default;
        var model = new ModelProto
        {
            IrVersion = IrVersion(opset),
            ProducerName = "Electra",
            ProducerVersion = typeof(OnnxExport).Assembly.GetName().Version?.ToString(3) ?? "",
            DocString = $"{architecture} exported from {Path.GetFileName(Path.GetFullPath(modelDir).TrimEnd(Path.DirectorySeparatorChar))}",
            Graph = ElectraOnnxGraph.Build(architecture, config, weights, embedding),
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
