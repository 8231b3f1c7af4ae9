using Electra.Onnx;
using Electra.Onnx.Export;

namespace Electra.Tests.Onnx;

/// <summary>Inputs are checked where they enter the ONNX runtime (InputValidationTests does the core's entries).</summary>
public class OnnxInputValidationTests
{
    [Fact]
    public void Onnx_runtime_refuses_token_type_ids_outside_the_models_segment_types()
    {
        using var dir = new TestPaths.TempDir();
        OnnxExport.Export(Path.Combine(TestPaths.Fixture, "discriminator"), dir["onnx"]);
        using var model = ElectraOnnxModel.Load(dir["onnx"]);
        Assert.Equal(2, model.TypeVocabSize);
        var e = Assert.Throws<ArgumentException>(() => model.Run([2, 5, 3], [1, 1, 1], [0, 7, 0], 1, 3));
        Assert.Contains("token type id 7 is outside the segment types [0, 2)", e.Message);
        Assert.Single(model.Run([2, 5, 3], [1, 1, 1], [0, 1, 1], 1, 3));
    }
}
