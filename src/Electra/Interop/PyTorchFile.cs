using System.IO.Compression;
using System.Numerics;
using static TorchSharp.torch;

namespace Electra.Interop;

/// <summary>
/// Reads a <c>torch.save</c>d state_dict (<c>pytorch_model.bin</c>) without Python, in both of torch's formats:
/// the zip archive (torch ≥ 1.6: <c>NAME/data.pkl</c> plus one raw entry per storage under <c>NAME/data/</c>) and
/// the legacy stream (<c>_use_new_zipfile_serialization=False</c>, and every file from torch &lt; 1.6: pickles of the
/// magic number, the protocol version and sys_info, the object pickle, the list of storage keys, then each storage as
/// an 8-byte little-endian element count and its raw bytes). Tensors keep torch's semantics: any stride and storage
/// offset, several tensors viewing one storage, any storage location (everything is read onto the CPU, as HF's
/// <c>map_location="cpu"</c>). Each view is checked against its storage before a tensor is made, so a malformed or
/// truncated file is an <see cref="InvalidDataException"/> naming the file, never a native crash.
/// </summary>
internal static class PyTorchFile
{
    static readonly Dictionary<string, (ScalarType Type, int Size)> StorageTypes = new()
    {
        ["FloatStorage"] = (ScalarType.Float32, 4), ["HalfStorage"] = (ScalarType.Float16, 2), ["BFloat16Storage"] = (ScalarType.BFloat16, 2),
        ["DoubleStorage"] = (ScalarType.Float64, 8), ["LongStorage"] = (ScalarType.Int64, 8), ["IntStorage"] = (ScalarType.Int32, 4),
        ["ShortStorage"] = (ScalarType.Int16, 2), ["CharStorage"] = (ScalarType.Int8, 1), ["ByteStorage"] = (ScalarType.Byte, 1),
        ["BoolStorage"] = (ScalarType.Bool, 1),
    };

    static readonly BigInteger MagicNumber = BigInteger.Parse("1950a86a20f9469cfc6c", System.Globalization.NumberStyles.HexNumber);
    const long ProtocolVersion = 1001;

    /// <summary>One storage: its element type and, once read, its bytes.</summary>
    sealed class Storage(string key, ScalarType type, int elementSize, long numel)
    {
        public string Key { get; } = key;
        public ScalarType Type { get; } = type;
        public int ElementSize { get; } = elementSize;
        public long Numel { get; } = numel;
        public byte[]? Data { get; set; }
    }

    /// <summary>A storage as a tensor sees it: the whole storage, or (legacy views) a window of it.</summary>
    sealed record StorageView(Storage Root, long Offset, long Numel);

    /// <summary>What <c>_rebuild_tensor_v2</c> was called with, built into a tensor once every storage is read.</summary>
    sealed record TensorRef(StorageView Storage, long Offset, long[] Size, long[] Stride);

    /// <summary>Reads every tensor of <paramref name="path"/> onto the CPU, in its stored dtype, contiguous.</summary>
    /// <exception cref="InvalidDataException">The file is not a readable state_dict; the message names it.</exception>
    public static Dictionary<string, Tensor> Load(string path)
    {
        try
        {
            using var file = File.OpenRead(path);
            Span<byte> magic = stackalloc byte[4];
            int n = file.Read(magic);
            file.Position = 0;
            if (n == 4 && magic.SequenceEqual("PK\u0003\u0004"u8)) return ReadZip(file, path);
            if (n >= 2 && magic[0] == 0x80) return ReadLegacy(file, path);
            throw new InvalidDataException("neither a zip archive (torch ≥ 1.6) nor a legacy pickle stream");
        }
        catch (Exception e) when (e is InvalidDataException or EndOfStreamException or InvalidCastException or OverflowException)
        {
            string what = e is EndOfStreamException ? "the file ends early (truncated?)" : e.Message;
            throw new InvalidDataException($"{path}: not a readable PyTorch state_dict: {what}", e);
        }
    }

    static Dictionary<string, Tensor> ReadZip(FileStream file, string path)
    {
        using var zip = new ZipArchive(file, ZipArchiveMode.Read);
        var pickle = zip.Entries.Where(e => e.FullName.EndsWith("data.pkl", StringComparison.Ordinal))
            .OrderBy(e => e.FullName.Length).FirstOrDefault() ?? throw new InvalidDataException("the zip archive has no data.pkl");
        string prefix = pickle.FullName[..^"data.pkl".Length];
        var storages = new Dictionary<string, Storage>(StringComparer.Ordinal);
        object? root;
        using (var stream = new MemoryStream(ReadEntry(pickle, pickle.Length)))
        {
            root = new Unpickler(stream, Rebuild, id =>
            {
                // ('storage', storage_type, key, location, numel)
                var t = StorageId(id, 5);
                string key = Str(t[2]);
                if (!storages.TryGetValue(key, out var s)) storages[key] = s = NewStorage(key, t[1], Long(t[4]));
                return new StorageView(s, 0, s.Numel);
            }).Load();
        }
        foreach (var s in storages.Values)
        {
            var entry = zip.GetEntry(prefix + "data/" + s.Key) ?? throw new InvalidDataException($"storage {s.Key} has no entry {prefix}data/{s.Key}");
            long bytes = checked(s.Numel * s.ElementSize);
            if (entry.Length != bytes) throw new InvalidDataException($"storage {s.Key} holds {entry.Length} bytes, its {s.Numel} elements need {bytes}");
            s.Data = ReadEntry(entry, bytes);
        }
        return Build(root, storages.Values);
    }

    static byte[] ReadEntry(ZipArchiveEntry entry, long length)
    {
        if (length > Array.MaxLength) throw new InvalidDataException($"{entry.FullName} is too large ({length} bytes)");
        var data = new byte[length];
        using var stream = entry.Open();
        stream.ReadExactly(data);
        return data;
    }

    static Dictionary<string, Tensor> ReadLegacy(FileStream file, string path)
    {
        var storages = new Dictionary<string, Storage>(StringComparer.Ordinal);
        var views = new Dictionary<string, StorageView>(StringComparer.Ordinal);
        static object? NoCalls(PickleGlobal g, object?[] args) => throw new InvalidDataException($"unexpected {g} in the legacy header");
        if (new Unpickler(file, NoCalls).Load() is not BigInteger magic || magic != MagicNumber)
            throw new InvalidDataException("not a torch.save file (wrong magic number)");
        if (new Unpickler(file, NoCalls).Load() is not long version || version != ProtocolVersion)
            throw new InvalidDataException($"unsupported legacy protocol version (torch writes {ProtocolVersion})");
        if (new Unpickler(file, NoCalls).Load() is Dictionary<object, object?> info && info.TryGetValue("little_endian", out var little) && little is false)
            throw new InvalidDataException("written on a big-endian machine, which is not supported");
        var root = new Unpickler(file, Rebuild, id =>
        {
            // ('storage', storage_type, root_key, location, numel, view_metadata)
            var t = StorageId(id, 6);
            string key = Str(t[2]);
            if (!storages.TryGetValue(key, out var s)) storages[key] = s = NewStorage(key, t[1], Long(t[4]));
            if (t[5] is not object?[] view) return new StorageView(s, 0, s.Numel);
            if (view.Length != 3) throw new InvalidDataException($"malformed storage view {Unpickler.Describe(t[5])}");
            string viewKey = Str(view[0]);
            if (!views.TryGetValue(viewKey, out var v))
            {
                long offset = Long(view[1]), size = Long(view[2]);
                if (offset < 0 || size < 0 || offset > s.Numel - size)
                    throw new InvalidDataException($"storage view {viewKey} [{offset}, {offset}+{size}) lies outside storage {key} of {s.Numel} elements");
                views[viewKey] = v = new StorageView(s, offset, size);
            }
            return v;
        }).Load();
        if (new Unpickler(file, NoCalls).Load() is not List<object?> keys) throw new InvalidDataException("the storage key list is missing");
        var reader = new BinaryReader(file);
        foreach (string key in keys.Select(Str))
        {
            var s = storages.GetValueOrDefault(key) ?? throw new InvalidDataException($"storage {key} is listed but no tensor uses it");
            long numel = reader.ReadInt64();
            if (numel != s.Numel) throw new InvalidDataException($"storage {key} has {numel} elements in the data, {s.Numel} in the pickle");
            long bytes = checked(numel * s.ElementSize);
            if (bytes > file.Length - file.Position) throw new InvalidDataException($"storage {key} needs {bytes} bytes, the file has {file.Length - file.Position} left (truncated?)");
            if (bytes > Array.MaxLength) throw new InvalidDataException($"storage {key} is too large ({bytes} bytes)");
            s.Data = reader.ReadBytes((int)bytes);
        }
        return Build(root, storages.Values);
    }

    static object?[] StorageId(object? id, int length) =>
        id is object?[] t && t.Length == length && t[0] is "storage"
            ? t
            : throw new InvalidDataException($"unsupported persistent id {Unpickler.Describe(id)}");

    static Storage NewStorage(string key, object? type, long numel)
    {
        if (type is not PickleGlobal { Module: "torch" } g || !StorageTypes.TryGetValue(g.Name, out var t))
            throw new InvalidDataException($"storage {key} has unsupported type {Unpickler.Describe(type)}");
        if (numel < 0) throw new InvalidDataException($"storage {key} has a negative size {numel}");
        return new Storage(key, t.Type, t.Size, numel);
    }

    /// <summary>What the globals in a state_dict pickle build: tensors (as references), parameters, ordered dicts.</summary>
    static object? Rebuild(PickleGlobal g, object?[] args) => g.ToString() switch
    {
        "collections.OrderedDict" => new Dictionary<object, object?>(),
        // (storage, storage_offset, size, stride, requires_grad, backward_hooks[, metadata])
        "torch._utils._rebuild_tensor_v2" or "torch._utils._rebuild_tensor" when args.Length >= 4 && args[0] is StorageView storage =>
            new TensorRef(storage, Long(args[1]), Longs(args[2]), Longs(args[3])),
        // (data, requires_grad, backward_hooks[, state])
        "torch._utils._rebuild_parameter" or "torch._utils._rebuild_parameter_with_state" when args.Length >= 1 && args[0] is TensorRef data => data,
        _ => throw new InvalidDataException($"the pickle calls {g}{Unpickler.Describe(args)}, which a state_dict does not"),
    };

    static Dictionary<string, Tensor> Build(object? root, IEnumerable<Storage> storages)
    {
        if (root is not Dictionary<object, object?> dict) throw new InvalidDataException($"the file holds {Unpickler.Describe(root)}, not a state_dict");
        foreach (var s in storages)
            if (s.Data is null) throw new InvalidDataException($"storage {s.Key} has no data");
        var refs = new List<(string Name, TensorRef Ref)>();
        foreach (var (key, value) in dict)
        {
            if (key is not string name) throw new InvalidDataException($"key {Unpickler.Describe(key)} is not a string");
            if (value is not TensorRef r) throw new InvalidDataException($"entry '{name}' is not a tensor ({Unpickler.Describe(value)})");
            Check(name, r);
            refs.Add((name, r));
        }

        var whole = new Dictionary<Storage, Tensor>();
        var result = new Dictionary<string, Tensor>(StringComparer.Ordinal);
        try
        {
            foreach (var (name, r) in refs)
            {
                var s = r.Storage.Root;
                if (!whole.TryGetValue(s, out var flat))
                {
                    flat = empty(s.Numel, s.Type);
                    s.Data!.AsSpan().CopyTo(flat.bytes);
                    whole[s] = flat;
                }
                result[name] = flat.as_strided(r.Size, r.Stride, r.Storage.Offset + r.Offset).contiguous(); // a copy: owns its memory
            }
            return result;
        }
        catch
        {
            foreach (var t in result.Values) t.Dispose();
            throw;
        }
        finally
        {
            foreach (var t in whole.Values) t.Dispose();
        }
    }

    /// <summary>Every element the view reaches must lie inside its storage (torch would read out of bounds).</summary>
    static void Check(string name, TensorRef r)
    {
        if (r.Size.Length != r.Stride.Length) throw new InvalidDataException($"tensor '{name}' has {r.Size.Length} sizes but {r.Stride.Length} strides");
        if (r.Size.Any(s => s < 0) || r.Stride.Any(s => s < 0) || r.Offset < 0)
            throw new InvalidDataException($"tensor '{name}' has a negative size, stride or offset");
        if (r.Size.Contains(0)) return;
        long last = r.Offset;
        checked
        {
            for (int i = 0; i < r.Size.Length; i++) last += (r.Size[i] - 1) * r.Stride[i];
        }
        if (last >= r.Storage.Numel)
            throw new InvalidDataException($"tensor '{name}' (size [{string.Join(", ", r.Size)}], stride [{string.Join(", ", r.Stride)}], offset {r.Offset}) " +
                                           $"reaches element {last} of a storage of {r.Storage.Numel}");
    }

    static string Str(object? value) => value as string ?? throw new InvalidDataException($"expected a string, found {Unpickler.Describe(value)}");

    static long Long(object? value) => value as long? ?? throw new InvalidDataException($"expected an integer, found {Unpickler.Describe(value)}");

    static long[] Longs(object? value) => value is object?[] t ? t.Select(Long).ToArray() : throw new InvalidDataException($"expected a tuple of integers, found {Unpickler.Describe(value)}");
}
