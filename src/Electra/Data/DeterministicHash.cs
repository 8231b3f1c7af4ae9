namespace Electra.Data;

/// <summary>
/// Seeded 64-bit mixing (SplitMix64's finaliser) for decisions that must be identical on every machine and .NET
/// version: the validation split and per-epoch shuffle seeds. <see cref="HashCode"/> is randomised per process,
/// so it cannot be used for anything written to disk or shared between ranks.
/// </summary>
static class DeterministicHash
{
    /// <summary>Mixes <paramref name="value"/> into a well-spread 64-bit hash.</summary>
    public static ulong Mix(ulong value)
    {
        value += 0x9E3779B97F4A7C15UL;
        value = (value ^ (value >> 30)) * 0xBF58476D1CE4E5B9UL;
        value = (value ^ (value >> 27)) * 0x94D049BB133111EBUL;
        return value ^ (value >> 31);
    }

    /// <summary>Hash of an ordered pair, e.g. (seed, document index).</summary>
    public static ulong Combine(long a, long b) => Mix(Mix((ulong)a) ^ (ulong)b);

    /// <summary>A non-negative <see cref="int"/> seed for <see cref="Random"/> derived from a pair.</summary>
    public static int Seed(long a, long b) => (int)(Combine(a, b) >> 33);

    /// <summary>Maps a hash to [0, 1) with 53 bits of precision.</summary>
    public static double Unit(ulong hash) => (hash >> 11) * (1.0 / (1UL << 53));
}
