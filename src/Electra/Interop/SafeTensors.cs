using System.Buffers.Binary;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using Electra.IO;
using static TorchSharp.torch;

namespace Electra.Interop;

/// <summary>
/// The safetensors format (8-byte little-endian header length, JSON header
/// <c>{name: {dtype, shape, data_offsets}}</c> plus <c>__metadata__</c>, then raw little-endian data),
/// read and written here so every structural fault becomes an error that names the file and the tensor.
/// </summary>
internal static class SafeTensors
{
    static readonly (string Name, ScalarType Type, int Size)[] DTypes =
    {
        ("F32", ScalarType.Float32, 4), ("F16", ScalarType.Float16, 2), ("BF16", ScalarType.BFloat16, 2),
        ("F64", ScalarType.Float64, 8), ("I64", ScalarType.Int64, 8), ("I32", ScalarType.Int32, 4),
        ("I16", ScalarType.Int16, 2), ("I8", ScalarType.Int8, 1), ("U8", ScalarType.Byte, 1), ("BOOL", ScalarType.Bool, 1),
    };

    /// <summary>Reads every tensor of <paramref name="path"/> onto the CPU.</summary>
    public static Dictionary<string, Tensor> Load(string path)
    {
        using var file = File.OpenRead(path);
        long length = file.Length;
        Span<byte> lengthBytes = stackalloc byte[8];
        if (length < 8 || file.Read(lengthBytes) != 8) throw Corrupt(path, "shorter than the 8-byte header length");
        ulong headerLength = BinaryPrimitives.ReadUInt64LittleEndian(lengthBytes);
        if (headerLength > (ulong)(length - 8) || headerLength > 100_000_000)
            throw Corrupt(path, $"header length {headerLength} exceeds the file size {length} (truncated?)");
        var headerBytes = new byte[headerLength];
        file.ReadExactly(headerBytes);
        JsonObject header;
        try
        {
            header = JsonNode.Parse(headerBytes)?.AsObject() ?? throw Corrupt(path, "empty header");
        }
        catch (Exception e) when (e is JsonException or InvalidOperationException)
        {
            throw Corrupt(path, $"header is not a JSON object ({e.Message})");
        }

        long dataStart = 8 + (long)headerLength;
        long dataLength = length - dataStart;
        var tensors = new Dictionary<string, Tensor>(StringComparer.Ordinal);
        try
        {
            foreach (var (name, node) in header)
            {
                if (name == "__metadata__") continue;
                var (type, shape, begin, end) = ParseEntry(path, name, node);
                if (begin > end || end > dataLength)
                    throw Corrupt(path, $"tensor '{name}' has data_offsets [{begin}, {end}] outside the {dataLength}-byte data section (truncated?)");
                int size = DTypes.First(d => d.Type == type).Size;
                long expected = shape.Aggregate(1L, (a, b) => a * b) * size;
                if (end - begin != expected)
                    throw Corrupt(path, $"tensor '{name}' holds {end - begin} bytes but shape [{string.Join(", ", shape)}] needs {expected}");
                var t = empty(shape, type);
                file.Position = dataStart + begin;
                ReadInto(file, t, expected);
                tensors[name] = t;
            }
        }
        catch
        {
            foreach (var t in tensors.Values) t.Dispose();
            throw;
        }
        return tensors;
    }

    static (ScalarType Type, long[] Shape, long Begin, long End) ParseEntry(string path, string name, JsonNode? node)
    {
        try
        {
            string dtype = node!["dtype"]!.GetValue<string>();
            var d = DTypes.FirstOrDefault(x => x.Name == dtype);
            if (d.Name is null) throw Corrupt(path, $"tensor '{name}' has unsupported dtype '{dtype}'");
            long[] shape = node["shape"]!.AsArray().Select(x => x!.GetValue<long>()).ToArray();
            var offsets = node["data_offsets"]!.AsArray();
            if (offsets.Count != 2 || shape.Any(s => s < 0)) throw Corrupt(path, $"tensor '{name}' has a malformed shape or data_offsets");
            return (d.Type, shape, offsets[0]!.GetValue<long>(), offsets[1]!.GetValue<long>());
        }
        catch (Exception e) when (e is NullReferenceException or InvalidOperationException or FormatException)
        {
            throw Corrupt(path, $"tensor '{name}' lacks dtype, shape or data_offsets");
        }
    }

    static void ReadInto(Stream file, Tensor t, long bytes)
    {
        // Tensor.bytes is a view of the tensor's storage: read straight into it.
        var span = t.bytes;
        if (span.Length != bytes) throw new InvalidOperationException("tensor storage size mismatch");
        file.ReadExactly(span);
    }

    /// <summary>Writes <paramref name="tensors"/> (sorted by name, as HF does) atomically, with <c>format: pt</c> metadata.</summary>
    public static void Save(string path, IReadOnlyDictionary<string, Tensor> tensors)
    {
        var names = tensors.Keys.OrderBy(k => k, StringComparer.Ordinal).ToList();
        var header = new JsonObject { ["__metadata__"] = new JsonObject { ["format"] = "pt" } };
        long offset = 0;
        var cpu = new List<Tensor>();
        try
        {
            foreach (string name in names)
            {
                var t = tensors[name].detach().cpu().contiguous();
                cpu.Add(t);
                var d = DTypes.FirstOrDefault(x => x.Type == t.dtype);
                if (d.Name is null) throw new ArgumentException($"tensor '{name}' has dtype {t.dtype}, which safetensors cannot store here");
                long size = t.NumberOfElements * d.Size;
                header[name] = new JsonObject
                {
                    ["dtype"] = d.Name,
                    ["shape"] = new JsonArray(t.shape.Select(s => (JsonNode)JsonValue.Create(s)!).ToArray()),
                    ["data_offsets"] = new JsonArray(offset, offset + size),
                };
                offset += size;
            }
            byte[] json = Encoding.UTF8.GetBytes(header.ToJsonString());
            int padded = (json.Length + 7) / 8 * 8;
            AtomicFile.Write(path, stream =>
            {
                Span<byte> len = stackalloc byte[8];
                BinaryPrimitives.WriteUInt64LittleEndian(len, (ulong)padded);
                stream.Write(len);
                stream.Write(json);
                for (int i = json.Length; i < padded; i++) stream.WriteByte((byte)' ');
                foreach (var t in cpu) stream.Write(t.bytes);
            });
        }
        finally
        {
            foreach (var t in cpu) t.Dispose();
        }
    }

    static InvalidDataException Corrupt(string path, string what) => new($"{path}: not a valid safetensors file: {what}");
}
