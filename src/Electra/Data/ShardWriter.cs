using System.Buffers.Binary;
using System.Runtime.InteropServices;

namespace Electra.Data;

/// <summary>
/// Appends sequences of one split to numbered shards (<c>train-00000.bin</c> + <c>train-00000.idx</c>, …), each
/// written under a <c>.tmp</c> name and renamed when complete. A shard is closed once it holds
/// <c>shardTokens</c> tokens; empty splits write no shard (an empty file cannot be memory-mapped).
/// </summary>
sealed class ShardWriter : IDisposable
{
    readonly string folder, prefix;
    readonly bool narrow;
    readonly long shardTokens;
    readonly List<ShardInfo> shards = new();
    readonly byte[] scratch;
    FileStream? tokens, index;
    long shardSequences, shardTokensWritten;

    public ShardWriter(string folder, DatasetSplit split, string dtype, int maxSequenceLength, long shardTokens)
    {
        this.folder = folder;
        prefix = FilePrefix(split);
        narrow = dtype == "uint16";
        this.shardTokens = shardTokens;
        scratch = new byte[maxSequenceLength * 4];
    }

    /// <summary>File name prefix of a split's shards.</summary>
    public static string FilePrefix(DatasetSplit split) => split == DatasetSplit.Train ? "train" : "validation";

    public long Sequences { get; private set; }
    public long Tokens { get; private set; }
    public IReadOnlyList<ShardInfo> Shards => shards;

    public void Append(int[] sequence)
    {
        if (tokens is null) Open();
        int bytes;
        if (narrow)
        {
            var destination = MemoryMarshal.Cast<byte, ushort>(scratch.AsSpan());
            for (int i = 0; i < sequence.Length; i++) destination[i] = (ushort)sequence[i];
            bytes = sequence.Length * 2;
        }
        else
        {
            MemoryMarshal.AsBytes(sequence.AsSpan()).CopyTo(scratch);
            bytes = sequence.Length * 4;
        }
        tokens!.Write(scratch, 0, bytes);
        Span<byte> entry = stackalloc byte[12];
        BinaryPrimitives.WriteInt64LittleEndian(entry, shardTokensWritten);
        BinaryPrimitives.WriteInt32LittleEndian(entry[8..], sequence.Length);
        index!.Write(entry);
        shardSequences++;
        shardTokensWritten += sequence.Length;
        Sequences++;
        Tokens += sequence.Length;
        if (shardTokensWritten >= shardTokens) Close();
    }

    void Open()
    {
        string name = $"{prefix}-{shards.Count:D5}";
        tokens = new FileStream(Path.Combine(folder, name + ".bin.tmp"), FileMode.Create, FileAccess.Write, FileShare.None, 1 << 20);
        index = new FileStream(Path.Combine(folder, name + ".idx.tmp"), FileMode.Create, FileAccess.Write, FileShare.None, 1 << 16);
        shardSequences = shardTokensWritten = 0;
    }

    /// <summary>Finishes the open shard (if any): flush, close, rename to the final names.</summary>
    public void Close()
    {
        if (tokens is null || index is null) return;
        string tokensPath = tokens.Name[..^4], indexPath = index.Name[..^4];
        tokens.Dispose();
        index.Dispose();
        tokens = index = null;
        File.Move(tokensPath + ".tmp", tokensPath, overwrite: true);
        File.Move(indexPath + ".tmp", indexPath, overwrite: true);
        shards.Add(new ShardInfo(Path.GetFileName(tokensPath), Path.GetFileName(indexPath), shardSequences, shardTokensWritten));
    }

    public void Dispose()
    {
        tokens?.Dispose();
        index?.Dispose();
    }
}
