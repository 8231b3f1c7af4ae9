using System.CommandLine;
using Electra.Onnx.Export;
using Electra.Native;

namespace Electra.Cli;

/// <summary>
/// `electra export-onnx`: writes an HF ELECTRA folder (discriminator, generator, fine-tuned classifier or question
/// answering) as <c>OUT/model.onnx</c> with its <c>config.json</c> and tokenizer files, for ONNX Runtime
/// (<c>--runtime onnx</c> of <c>logits</c>/<c>predict</c>, or the Electra.Onnx package).
/// </summary>
static class ExportOnnxCommand
{
    static readonly Option<string> Model = CliOption.Text("--model", "HF model folder (config.json + weights, architectures naming the head)", required: true, valueName: "DIR");
    static readonly Option<string> Out = CliOption.Text("--out", "folder to write model.onnx, config.json and the tokenizer files into (new, empty, or an earlier export)", required: true, valueName: "DIR");
    static readonly Option<int> Opset = CliOption.Int("--opset", OnnxExport.DefaultOpset,
        $"ONNX opset of the graph ({OnnxExport.MinOpset}-{OnnxExport.MaxOpset}; 17 is the first with LayerNormalization)", min: OnnxExport.MinOpset, max: OnnxExport.MaxOpset);
    static readonly Option<string> Quantize = CliOption.Choice("--quantize", "none",
        "int8: the encoder's weights as dynamic int8 (ONNX Runtime's int8 kernels; about 4x smaller, faster on CPU, logits move slightly: docs/performance.md)", "none", "int8");

    public static Command Create() => CliOption.Command("export-onnx", "export a model folder to ONNX (model.onnx + config + tokenizer) for ONNX Runtime, without libtorch", Run,
        Model, Out, Opset, Quantize);

    static int Run(ParseResult r)
    {
        string model = r.GetRequiredValue(Model);
        string output = r.GetRequiredValue(Out);
        int opset = r.GetValue(Opset);
        var quantization = r.GetRequiredValue(Quantize) == "int8" ? OnnxQuantization.Int8 : OnnxQuantization.None;
        TorchRuntime.EnsureLoaded();
        var result = OnnxExport.Export(model, output, opset, quantization);
        string weights = quantization == OnnxQuantization.Int8 ? ", encoder weights int8" : "";
        Console.WriteLine($"wrote {result.ModelPath}: {result.Architecture}, opset {result.Opset}{weights}, {new FileInfo(result.ModelPath).Length / 1e6:F1} MB, outputs {string.Join(", ", result.Outputs)}");
        Console.WriteLine($"operators: {string.Join(" ", result.Operators)}");
        Console.WriteLine($"copied: {string.Join(", ", result.CopiedFiles)}");
        return 0;
    }
}
