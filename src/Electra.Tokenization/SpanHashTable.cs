namespace Electra.Tokenization;

/// <summary>
/// A read-only string → id table looked up by span with a prefix-incremental hash (FNV-1a): the hashes of all
/// prefixes of a word cost one pass, so WordPiece's longest-first probing hashes each character once instead of
/// once per probe. Open addressing, linear probing, Fibonacci hashing of the FNV value for the slot.
/// </summary>
sealed class SpanHashTable
{
    /// <summary>FNV-1a offset basis: the hash of the empty string.</summary>
    public const uint EmptyHash = 2166136261;

    readonly string?[] keys;
    readonly uint[] hashes;
    readonly int[] ids;
    readonly int shift;

    /// <summary>Builds the table; a key given twice keeps its later id.</summary>
    public SpanHashTable(IReadOnlyList<(string Key, int Id)> entries)
    {
        int bits = 4;
        while ((1 << bits) < entries.Count * 2) bits++;
        keys = new string?[1 << bits];
        hashes = new uint[1 << bits];
        ids = new int[1 << bits];
        shift = 32 - bits;
        foreach (var (key, id) in entries)
        {
            uint h = Hash(key);
            int slot = Slot(h);
            while (keys[slot] is not null && !(hashes[slot] == h && keys[slot] == key)) slot = (slot + 1) & (keys.Length - 1);
            keys[slot] = key;
            hashes[slot] = h;
            ids[slot] = id;
        }
    }

    /// <summary>The hash after appending <paramref name="c"/> to a string of hash <paramref name="h"/>.</summary>
    public static uint Step(uint h, char c) => (h ^ c) * 16777619;

    /// <summary>Hash of a whole string.</summary>
    public static uint Hash(ReadOnlySpan<char> s)
    {
        uint h = EmptyHash;
        foreach (char c in s) h = Step(h, c);
        return h;
    }

    int Slot(uint h) => (int)((h * 2654435769u) >> shift);

    /// <summary>Looks up <paramref name="key"/>, whose <see cref="Hash"/> is <paramref name="hash"/>.</summary>
    public bool TryGet(ReadOnlySpan<char> key, uint hash, out int id)
    {
        for (int slot = Slot(hash); ; slot = (slot + 1) & (keys.Length - 1))
        {
            string? k = keys[slot];
            if (k is null) break;
            if (hashes[slot] == hash && key.SequenceEqual(k))
            {
                id = ids[slot];
                return true;
            }
        }
        id = -1;
        return false;
    }
}
