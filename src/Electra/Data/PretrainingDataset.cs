using System.IO.MemoryMappedFiles;
using System.Runtime.CompilerServices;

namespace Electra.Data;

/// <summary>
/// One split of a dataset folder, memory-mapped: random access to its packed sequences without reading the
/// shards into memory. Thread-safe for reads. Dispose to unmap.
/// </summary>
internal sealed unsafe class PretrainingDataset : IDisposable
{
    readonly Shard[] shards;
    readonly long[] firstSequence; // global index of each shard's first sequence, plus the total at the end
    bool disposed;

    /// <summary>The folder's manifest.</summary>
    public DatasetManifest Manifest { get; }

    /// <summary>The split this instance reads.</summary>
    public DatasetSplit Split { get; }

    /// <summary>Number of sequences in the split.</summary>
    public long Count => firstSequence[^1];

    PretrainingDataset(DatasetManifest manifest, DatasetSplit split, Shard[] shards)
    {
        Manifest = manifest;
        Split = split;
        this.shards = shards;
        firstSequence = new long[shards.Length + 1];
        for (int i = 0; i < shards.Length; i++) firstSequence[i + 1] = firstSequence[i] + shards[i].Sequences;
    }

    /// <summary>Opens <paramref name="split"/> of the dataset in <paramref name="folder"/>, checking every shard's size against the manifest.</summary>
    public static PretrainingDataset Open(string folder, DatasetSplit split = DatasetSplit.Train)
    {
        var manifest = DatasetManifest.Read(folder);
        var opened = new List<Shard>();
        try
        {
            foreach (var info in manifest.Get(split).Shards)
                opened.Add(new Shard(folder, info, manifest.TokenBytes));
        }
        catch
        {
            foreach (var shard in opened) shard.Dispose();
            throw;
        }
        return new PretrainingDataset(manifest, split, opened.ToArray());
    }

    /// <summary>Throws <see cref="InvalidDataException"/> when the dataset was built with another vocabulary than the caller's tokenizer.</summary>
    public void EnsureVocabulary(int vocabSize, string fingerprint)
    {
        if (Manifest.VocabSize != vocabSize || Manifest.VocabFingerprint != fingerprint)
            throw new InvalidDataException(
                $"the dataset was built with a different vocabulary (vocab_size {Manifest.VocabSize}, fingerprint '{Manifest.VocabFingerprint}') " +
                $"than the tokenizer in use (vocab_size {vocabSize}, fingerprint '{fingerprint}'); rebuild the dataset with this tokenizer");
    }

    /// <summary>Length of sequence <paramref name="index"/>.</summary>
    public int Length(long index)
    {
        var (shard, local) = Locate(index);
        return shard.Entry(local).Length;
    }

    /// <summary>Copies sequence <paramref name="index"/> into the start of <paramref name="destination"/> and returns its length.</summary>
    public int CopyTo(long index, Span<long> destination)
    {
        var (shard, local) = Locate(index);
        var (offset, length) = shard.Entry(local);
        if (length > destination.Length)
            throw new ArgumentException($"sequence {index} has {length} tokens, more than the {destination.Length} the destination holds");
        shard.CopyTokens(offset, destination[..length]);
        return length;
    }

    (Shard Shard, long Local) Locate(long index)
    {
        ObjectDisposedException.ThrowIf(disposed, this);
        ArgumentOutOfRangeException.ThrowIfNegative(index);
        ArgumentOutOfRangeException.ThrowIfGreaterThanOrEqual(index, Count);
        // The writer never leaves a shard empty, so an exact hit is that shard's first sequence.
        int i = Array.BinarySearch(firstSequence, index);
        i = i >= 0 ? i : ~i - 1;
        return (shards[i], index - firstSequence[i]);
    }

    /// <summary>Unmaps every shard.</summary>
    public void Dispose()
    {
        if (disposed) return;
        disposed = true;
        foreach (var shard in shards) shard.Dispose();
    }

    /// <summary>A mapped token file and its mapped index.</summary>
    sealed class Shard : IDisposable
    {
        readonly MappedFile tokens, index;
        readonly int tokenBytes;
        readonly ShardInfo info;

        public long Sequences => info.Sequences;

        public Shard(string folder, ShardInfo info, int tokenBytes)
        {
            this.info = info;
            this.tokenBytes = tokenBytes;
            tokens = new MappedFile(Path.Combine(folder, info.TokensFile), info.Tokens * tokenBytes);
            try { index = new MappedFile(Path.Combine(folder, info.IndexFile), info.Sequences * 12); }
            catch { tokens.Dispose(); throw; }
        }

        public (long Offset, int Length) Entry(long local)
        {
            byte* p = index.Pointer + local * 12;
            long offset = Unsafe.ReadUnaligned<long>(p);
            int length = Unsafe.ReadUnaligned<int>(p + 8);
            if (offset < 0 || length < 0 || offset + length > info.Tokens)
                throw new InvalidDataException($"{info.IndexFile}: entry {local} (offset {offset}, length {length}) points outside the {info.Tokens}-token shard");
            return (offset, length);
        }

        public void CopyTokens(long offset, Span<long> destination)
        {
            byte* start = tokens.Pointer + offset * tokenBytes;
            if (tokenBytes == 2)
            {
                var source = new ReadOnlySpan<ushort>(start, destination.Length);
                for (int i = 0; i < source.Length; i++) destination[i] = source[i];
            }
            else
            {
                var source = new ReadOnlySpan<int>(start, destination.Length);
                for (int i = 0; i < source.Length; i++) destination[i] = source[i];
            }
        }

        public void Dispose()
        {
            tokens.Dispose();
            index.Dispose();
        }
    }

    /// <summary>A read-only mapping of a whole file with its base pointer acquired.</summary>
    sealed class MappedFile : IDisposable
    {
        readonly MemoryMappedFile file;
        readonly MemoryMappedViewAccessor view;

        public byte* Pointer { get; }

        public MappedFile(string path, long expectedBytes)
        {
            if (!File.Exists(path)) throw new FileNotFoundException($"dataset file {path} is missing", path);
            long actual = new FileInfo(path).Length;
            if (actual != expectedBytes)
                throw new InvalidDataException($"{path} has {actual} bytes but the manifest implies {expectedBytes}; the dataset is damaged, rebuild it");
            file = MemoryMappedFile.CreateFromFile(path, FileMode.Open, null, 0, MemoryMappedFileAccess.Read);
            view = file.CreateViewAccessor(0, 0, MemoryMappedFileAccess.Read);
            byte* p = null;
            view.SafeMemoryMappedViewHandle.AcquirePointer(ref p);
            Pointer = p + view.PointerOffset;
        }

        public void Dispose()
        {
            view.SafeMemoryMappedViewHandle.ReleasePointer();
            view.Dispose();
            file.Dispose();
        }
    }
}
