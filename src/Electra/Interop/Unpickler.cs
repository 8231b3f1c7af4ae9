using System.Buffers.Binary;
using System.Numerics;
using System.Text;

namespace Electra.Interop;

/// <summary>A Python global named by a pickle (<c>GLOBAL</c>/<c>STACK_GLOBAL</c>), e.g. <c>torch._utils._rebuild_tensor_v2</c>.</summary>
/// <param name="Module">The module, e.g. <c>torch._utils</c>.</param>
/// <param name="Name">The name in the module.</param>
sealed record PickleGlobal(string Module, string Name)
{
    /// <inheritdoc/>
    public override string ToString() => $"{Module}.{Name}";
}

/// <summary>
/// The part of Python's pickle virtual machine (protocols 0-5, binary opcodes) that <c>torch.save</c> files use.
/// Values are mapped to .NET: <c>str</c> → string, <c>int</c> → long (BigInteger beyond 64 bits), <c>float</c> →
/// double, <c>bytes</c> → byte[], tuple → object?[], list → List&lt;object?&gt;, dict → Dictionary (insertion order).
/// Nothing is executed: the caller decides what each global called with <c>REDUCE</c>/<c>NEWOBJ</c> builds, and what a
/// persistent id (torch's storages) stands for; an unknown global or opcode is an error.
/// </summary>
sealed class Unpickler
{
    readonly BinaryReader reader;
    readonly Func<PickleGlobal, object?[], object?> call;
    readonly Func<object?, object?> persistentLoad;
    readonly List<object?> stack = new();
    readonly Stack<int> marks = new();
    readonly Dictionary<long, object?> memo = new();

    /// <summary>Reads pickles from <paramref name="stream"/> (left positioned after each one's STOP).</summary>
    /// <param name="stream">The input.</param>
    /// <param name="call">Builds the value of <c>global(*args)</c>.</param>
    /// <param name="persistentLoad">Resolves a persistent id (<c>BINPERSID</c>); null rejects them.</param>
    public Unpickler(Stream stream, Func<PickleGlobal, object?[], object?> call, Func<object?, object?>? persistentLoad = null)
    {
        reader = new BinaryReader(stream, Encoding.UTF8, leaveOpen: true);
        this.call = call;
        this.persistentLoad = persistentLoad ?? (id => throw new InvalidDataException($"unexpected persistent id {Describe(id)}"));
    }

    /// <summary>Reads one pickle up to its STOP and returns its value.</summary>
    /// <exception cref="InvalidDataException">A malformed or unsupported pickle.</exception>
    /// <exception cref="EndOfStreamException">The stream ends inside the pickle.</exception>
    public object? Load()
    {
        stack.Clear();
        marks.Clear();
        memo.Clear();
        while (true)
        {
            byte op = reader.ReadByte();
            switch (op)
            {
                case 0x80: reader.ReadByte(); break; // PROTO
                case 0x95: reader.ReadInt64(); break; // FRAME: a length hint
                case (byte)'.': return Pop(); // STOP
                case (byte)'(': marks.Push(stack.Count); break; // MARK
                case (byte)'0': Pop(); break; // POP
                case (byte)'1': PopMark(); break; // POP_MARK
                case (byte)'2': Push(Peek()); break; // DUP
                case (byte)'N': Push(null); break;
                case 0x88: Push(true); break;
                case 0x89: Push(false); break;
                case (byte)'J': Push((long)reader.ReadInt32()); break; // BININT
                case (byte)'K': Push((long)reader.ReadByte()); break; // BININT1
                case (byte)'M': Push((long)reader.ReadUInt16()); break; // BININT2
                case 0x8a: Push(ReadLong(reader.ReadByte())); break; // LONG1
                case 0x8b: Push(ReadLong(Length(reader.ReadInt32()))); break; // LONG4
                case (byte)'G': Push(BinaryPrimitives.ReadDoubleBigEndian(Bytes(8))); break; // BINFLOAT
                case (byte)'X': Push(Encoding.UTF8.GetString(Bytes(Length(reader.ReadUInt32())))); break; // BINUNICODE
                case 0x8c: Push(Encoding.UTF8.GetString(Bytes(reader.ReadByte()))); break; // SHORT_BINUNICODE
                case 0x8d: Push(Encoding.UTF8.GetString(Bytes(Length(reader.ReadInt64())))); break; // BINUNICODE8
                case (byte)'T': Push(Encoding.Latin1.GetString(Bytes(Length(reader.ReadInt32())))); break; // BINSTRING (Python 2 str)
                case (byte)'U': Push(Encoding.Latin1.GetString(Bytes(reader.ReadByte()))); break; // SHORT_BINSTRING
                case (byte)'B': Push(Bytes(Length(reader.ReadUInt32()))); break; // BINBYTES
                case (byte)'C': Push(Bytes(reader.ReadByte())); break; // SHORT_BINBYTES
                case 0x8e: Push(Bytes(Length(reader.ReadInt64()))); break; // BINBYTES8
                case (byte)')': Push(Array.Empty<object?>()); break; // EMPTY_TUPLE
                case (byte)'t': Push(PopMark().ToArray()); break; // TUPLE
                case 0x85: Push(new[] { Pop() }); break; // TUPLE1
                case 0x86: { var b = Pop(); var a = Pop(); Push(new[] { a, b }); break; } // TUPLE2
                case 0x87: { var c = Pop(); var b = Pop(); var a = Pop(); Push(new[] { a, b, c }); break; } // TUPLE3
                case (byte)']': Push(new List<object?>()); break; // EMPTY_LIST
                case (byte)'l': Push(PopMark()); break; // LIST
                case (byte)'a': { var v = Pop(); As<List<object?>>(Peek(), "APPEND").Add(v); break; }
                case (byte)'e': { var items = PopMark(); As<List<object?>>(Peek(), "APPENDS").AddRange(items); break; }
                case (byte)'}': Push(new Dictionary<object, object?>()); break; // EMPTY_DICT
                case (byte)'d': { var d = new Dictionary<object, object?>(); SetItems(d, PopMark()); Push(d); break; } // DICT
                case (byte)'s': { var v = Pop(); var k = Pop(); SetItems(As<Dictionary<object, object?>>(Peek(), "SETITEM"), new() { k, v }); break; }
                case (byte)'u': { var items = PopMark(); SetItems(As<Dictionary<object, object?>>(Peek(), "SETITEMS"), items); break; }
                case (byte)'q': memo[reader.ReadByte()] = Peek(); break; // BINPUT
                case (byte)'r': memo[reader.ReadUInt32()] = Peek(); break; // LONG_BINPUT
                case 0x94: memo[memo.Count] = Peek(); break; // MEMOIZE
                case (byte)'h': Push(Memo(reader.ReadByte())); break; // BINGET
                case (byte)'j': Push(Memo(reader.ReadUInt32())); break; // LONG_BINGET
                case (byte)'c': Push(new PickleGlobal(ReadLine(), ReadLine())); break; // GLOBAL
                case 0x93: { var name = As<string>(Pop(), "STACK_GLOBAL"); Push(new PickleGlobal(As<string>(Pop(), "STACK_GLOBAL"), name)); break; }
                case (byte)'R': // REDUCE
                case 0x81: // NEWOBJ
                {
                    var args = As<object?[]>(Pop(), "REDUCE arguments");
                    Push(call(As<PickleGlobal>(Pop(), "REDUCE callable"), args));
                    break;
                }
                case (byte)'b': Pop(); break; // BUILD: the state of an object (an OrderedDict's _metadata) is not needed
                case (byte)'Q': Push(persistentLoad(Pop())); break; // BINPERSID
                default: throw new InvalidDataException($"unsupported pickle opcode 0x{op:x2} at byte {reader.BaseStream.Position - 1}");
            }
        }
    }

    /// <summary>A readable rendering of a pickled value for error messages.</summary>
    public static string Describe(object? value) => value switch
    {
        null => "None",
        string s => $"'{s}'",
        object?[] t => "(" + string.Join(", ", t.Select(Describe)) + ")",
        _ => value.ToString() ?? value.GetType().Name,
    };

    static void SetItems(Dictionary<object, object?> dict, List<object?> items)
    {
        if (items.Count % 2 != 0) throw new InvalidDataException("SETITEMS with an odd number of values");
        for (int i = 0; i < items.Count; i += 2)
            dict[items[i] ?? throw new InvalidDataException("a dict key is None")] = items[i + 1];
    }

    static T As<T>(object? value, string what) =>
        value is T t ? t : throw new InvalidDataException($"{what}: expected {typeof(T).Name}, found {Describe(value)}");

    void Push(object? value) => stack.Add(value);

    object? Peek() => stack.Count > 0 ? stack[^1] : throw new InvalidDataException("pickle stack underflow");

    object? Pop()
    {
        var value = Peek();
        stack.RemoveAt(stack.Count - 1);
        return value;
    }

    List<object?> PopMark()
    {
        if (marks.Count == 0) throw new InvalidDataException("pickle MARK missing");
        int at = marks.Pop();
        var items = stack.GetRange(at, stack.Count - at);
        stack.RemoveRange(at, stack.Count - at);
        return items;
    }

    object? Memo(long key) => memo.TryGetValue(key, out var v) ? v : throw new InvalidDataException($"pickle memo {key} is not set");

    int Length(long n) => n is >= 0 and <= int.MaxValue && n <= reader.BaseStream.Length - reader.BaseStream.Position
        ? (int)n
        : throw new InvalidDataException($"pickle length {n} runs past the end of the data (truncated?)");

    byte[] Bytes(int n)
    {
        var bytes = reader.ReadBytes(n);
        return bytes.Length == n ? bytes : throw new EndOfStreamException();
    }

    object ReadLong(int n)
    {
        var value = new BigInteger(Bytes(n), isUnsigned: false, isBigEndian: false);
        return value >= long.MinValue && value <= long.MaxValue ? (long)value : value;
    }

    string ReadLine()
    {
        var line = new StringBuilder();
        for (byte b = reader.ReadByte(); b != (byte)'\n'; b = reader.ReadByte())
        {
            if (line.Length > 256) throw new InvalidDataException("a pickle GLOBAL name is too long");
            line.Append((char)b);
        }
        return line.ToString();
    }
}
