using Google.Protobuf;
using Onnx;
using static TorchSharp.torch;

namespace Electra.Onnx.Export;

/// <summary>
/// Appends standard ONNX nodes (default domain) and float32 initializers to a <see cref="GraphProto"/> from
/// OnnxSharp's generated <c>onnx.proto</c> classes, naming every intermediate value uniquely. The building blocks an
/// encoder needs (<see cref="Linear"/>, <see cref="LayerNorm"/>, <see cref="Gelu"/>) are composed here from the
/// primitive ops; which blocks make an ELECTRA is <see cref="ElectraOnnxGraph"/>'s business.
/// </summary>
sealed class OnnxGraphBuilder
{
    readonly HashSet<string> names = new(StringComparer.Ordinal);
    readonly Dictionary<string, string> constants = new(StringComparer.Ordinal);
    int counter;

    /// <summary>The graph being built.</summary>
    public GraphProto Graph { get; } = new();

    /// <summary>Adds a graph input of element type <paramref name="type"/> and symbolic or fixed <paramref name="dims"/>.</summary>
    public string Input(string name, TensorProto.Types.DataType type, params object[] dims)
    {
        Graph.Input.Add(ValueInfo(name, type, dims));
        names.Add(name);
        return name;
    }

    /// <summary>Renames the value <paramref name="value"/> to the graph output <paramref name="name"/> (an Identity node) and declares it.</summary>
    public void Output(string value, string name, TensorProto.Types.DataType type, params object[] dims)
    {
        Node("Identity", [value], output: name);
        Graph.Output.Add(ValueInfo(name, type, dims));
    }

    static ValueInfoProto ValueInfo(string name, TensorProto.Types.DataType type, object[] dims)
    {
        var shape = new TensorShapeProto();
        foreach (var d in dims)
            shape.Dim.Add(d switch
            {
                string param => new TensorShapeProto.Types.Dimension { DimParam = param },
                int value => new TensorShapeProto.Types.Dimension { DimValue = value },
                _ => throw new ArgumentException($"dimension {d} is neither a name nor an int"),
            });
        return new ValueInfoProto { Name = name, Type = new TypeProto { TensorType = new TypeProto.Types.Tensor { ElemType = (int)type, Shape = shape } } };
    }

    /// <summary>Adds the float32 tensor <paramref name="t"/> (any device or float dtype) as initializer <paramref name="name"/>.</summary>
    public string Initializer(string name, Tensor t, string? doc = null)
    {
        using var scope = NewDisposeScope();
        var values = t.detach().to(ScalarType.Float32).cpu().contiguous().data<float>().ToArray();
        return AddInitializer(name, TensorProto.Types.DataType.Float, t.shape, Raw(values), doc);
    }

    string AddInitializer(string name, TensorProto.Types.DataType type, long[] dims, ByteString raw, string? doc)
    {
        if (!names.Add(name)) throw new InvalidOperationException($"ONNX value '{name}' is defined twice");
        var tensor = new TensorProto { Name = name, DataType = (int)type, RawData = raw };
        if (doc is not null) tensor.DocString = doc;
        tensor.Dims.AddRange(dims);
        Graph.Initializer.Add(tensor);
        return name;
    }

    /// <summary>A shared float32 scalar constant.</summary>
    public string Scalar(float value) => Constant($"const_f{BitConverter.SingleToInt32Bits(value):x8}", () =>
        ByteString.CopyFrom(BitConverter.GetBytes(value)), TensorProto.Types.DataType.Float, []);

    /// <summary>A shared int64 vector constant (shapes, axes, indices).</summary>
    public string Int64s(params long[] values) => Constant("const_i64_" + string.Join("_", values).Replace('-', 'm'), () =>
    {
        var bytes = new byte[values.Length * sizeof(long)];
        Buffer.BlockCopy(values, 0, bytes, 0, bytes.Length);
        return ByteString.CopyFrom(bytes);
    }, TensorProto.Types.DataType.Int64, [values.Length]);

    /// <summary>A shared int64 scalar constant (a <c>Gather</c> index that drops its axis).</summary>
    public string Int64Scalar(long value) => Constant($"const_i64_scalar_{value}".Replace('-', 'm'), () =>
        ByteString.CopyFrom(BitConverter.GetBytes(value)), TensorProto.Types.DataType.Int64, []);

    string Constant(string name, Func<ByteString> raw, TensorProto.Types.DataType type, long[] dims)
    {
        if (!constants.TryGetValue(name, out var existing))
            constants[name] = existing = AddInitializer(name, type, dims, raw(), null);
        return existing;
    }

    /// <summary>Adds one node and returns its (first) output's name.</summary>
    public string Node(string op, string[] inputs, string? output = null, params (string Name, object Value)[] attributes) =>
        Node(op, inputs, [output ?? $"{op}_{counter++}"], attributes)[0];

    /// <summary>Adds one node with <paramref name="outputCount"/> outputs (named after the node) and returns their names.</summary>
    public string[] Node(string op, string[] inputs, int outputCount)
    {
        string first = $"{op}_{counter++}";
        return Node(op, inputs, [first, .. Enumerable.Range(1, outputCount - 1).Select(i => $"{first}_{i}")], []);
    }

    string[] Node(string op, string[] inputs, string[] outputs, (string Name, object Value)[] attributes)
    {
        foreach (string output in outputs)
            if (!names.Add(output)) throw new InvalidOperationException($"ONNX value '{output}' is defined twice");
        var node = new NodeProto { OpType = op, Name = "node_" + outputs[0] };
        node.Input.AddRange(inputs);
        node.Output.AddRange(outputs);
        foreach (var (name, value) in attributes)
            node.Attribute.Add(value switch
            {
                long i => new AttributeProto { Name = name, Type = AttributeProto.Types.AttributeType.Int, I = i },
                float f => new AttributeProto { Name = name, Type = AttributeProto.Types.AttributeType.Float, F = f },
                long[] ints => Ints(name, ints),
                _ => throw new ArgumentException($"attribute {name}: unsupported value {value}"),
            });
        Graph.Node.Add(node);
        return outputs;
    }

    static AttributeProto Ints(string name, long[] values)
    {
        var a = new AttributeProto { Name = name, Type = AttributeProto.Types.AttributeType.Ints };
        a.Ints.AddRange(values);
        return a;
    }

    /// <summary>
    /// PyTorch's <c>nn.Linear</c> with weight [out, in] and bias [out]: <c>MatMul(x, Wᵀ) + b</c> on [.., in] → [.., out].
    /// The weight is stored transposed ([in, out]) under its state_dict key, as <c>torch.onnx</c> exports it.
    /// With <paramref name="int8"/> the product is ONNX Runtime's dynamic int8 form (what its <c>quantize_dynamic</c>
    /// writes, and what its graph optimizer fuses into one <c>DynamicQuantizeMatMul</c> kernel): <c>x</c> quantized to
    /// uint8 per tensor at run time (<c>DynamicQuantizeLinear</c>), the weight stored as int8 per output column
    /// (symmetric: zero point 0, scale max|w|/<see cref="WeightLevels"/>), <c>MatMulInteger</c> to int32, then scaled
    /// back to float32.
    /// </summary>
    public string Linear(string x, string key, IReadOnlyDictionary<string, Tensor> weights, bool int8 = false)
    {
        using var transposed = Weight(weights, key + ".weight").t();
        string b = Initializer(key + ".bias", Weight(weights, key + ".bias"));
        if (!int8)
            return Node("Add", [Node("MatMul", [x, Initializer(key + ".weight", transposed, "transposed to [in, out] for MatMul")]), b]);

        var (quantized, scale) = QuantizeColumns(transposed);
        string wq = AddInitializer(key + ".weight_quantized", TensorProto.Types.DataType.Int8, transposed.shape,
            ByteString.CopyFrom((byte[])(Array)quantized), "int8, transposed to [in, out]; one scale per output column");
        string ws = AddInitializer(key + ".weight_scale", TensorProto.Types.DataType.Float, [scale.Length], Raw(scale), null);
        string wz = AddInitializer(key + ".weight_zero_point", TensorProto.Types.DataType.Int8, [scale.Length], ByteString.CopyFrom(new byte[scale.Length]), null);
        string[] xq = Node("DynamicQuantizeLinear", [x], outputCount: 3); // uint8 x, its scale, its zero point
        string product = Node("Cast", [Node("MatMulInteger", [xq[0], wq, xq[2], wz])], attributes: ("to", (long)TensorProto.Types.DataType.Float)); // [.., out] int32 → float
        return Node("Add", [Node("Mul", [product, Node("Mul", [xq[1], ws])]), b]);
    }

    /// <summary>
    /// The largest int8 weight magnitude: 63, i.e. 7 bits, as ONNX Runtime's <c>quantize_dynamic(reduce_range=True)</c>.
    /// x86 CPUs without VNNI (AVX2, AVX-512F) run uint8 × int8 products with <c>vpmaddubsw</c>, which saturates a sum of
    /// two products at 32767; 255 · 63 · 2 stays below it, 255 · 127 · 2 does not. Measured on an AVX2 EPYC: full-range
    /// weights gave 2–4× the logit error of 7-bit ones (relative L2 0.019–0.063 against 0.008–0.023 on the test heads).
    /// </summary>
    public const int WeightLevels = 63;

    /// <summary>Symmetric per column of <paramref name="w"/> [in, out]: <c>q = round(w / s)</c>, <c>s = max|w[:, j]| / <see cref="WeightLevels"/></c> (1 for a zero column).</summary>
    static (sbyte[] Values, float[] Scales) QuantizeColumns(Tensor w)
    {
        using var scope = NewDisposeScope();
        var cpu = w.detach().to(ScalarType.Float32).cpu();
        var scales = cpu.abs().amax([0]).div((float)WeightLevels); // [out]
        scales = where(scales.eq(0f), ones_like(scales), scales);
        var q = cpu.div(scales).round().clamp(-WeightLevels, WeightLevels).to(ScalarType.Int8).contiguous(); // [in, out]
        return (q.data<sbyte>().ToArray(), scales.data<float>().ToArray());
    }

    /// <summary>ONNX raw_data: little-endian, as every platform .NET runs on here.</summary>
    static ByteString Raw(float[] values)
    {
        var bytes = new byte[values.Length * sizeof(float)];
        Buffer.BlockCopy(values, 0, bytes, 0, bytes.Length);
        return ByteString.CopyFrom(bytes);
    }

    /// <summary>LayerNorm over the last axis with the state_dict's <c>weight</c>/<c>bias</c> (opset 17's LayerNormalization).</summary>
    public string LayerNorm(string x, string key, IReadOnlyDictionary<string, Tensor> weights, double eps) =>
        Node("LayerNormalization", [x, Initializer(key + ".weight", Weight(weights, key + ".weight")), Initializer(key + ".bias", Weight(weights, key + ".bias"))],
            attributes: [("axis", -1L), ("epsilon", (float)eps)]);

    /// <summary>The exact GELU as HF's <c>GELUActivation</c> writes it: <c>x · 0.5 · (1 + erf(x / √2))</c>.</summary>
    public string Gelu(string x) =>
        Node("Mul", [Node("Mul", [x, Scalar(0.5f)]), Node("Add", [Scalar(1f), Node("Erf", [Node("Div", [x, Scalar(MathF.Sqrt(2f))])])])]);

    /// <summary>The tensor under <paramref name="key"/>, or an error naming it.</summary>
    public static Tensor Weight(IReadOnlyDictionary<string, Tensor> weights, string key) =>
        weights.TryGetValue(key, out var t) ? t : throw new InvalidDataException($"the model has no weight '{key}'");
}
