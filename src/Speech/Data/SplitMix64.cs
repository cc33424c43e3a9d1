namespace Cluster.Speech.Data;

/// <summary>
/// Steele, Lea and Flood's SplitMix64 generator. The data plan must replay bit for bit on resume, on any machine and
/// any .NET version; System.Random promises neither (its algorithm changed in .NET 6 and may change again), so the
/// data pipeline draws only from this small, fully specified generator.
/// </summary>
/// <remarks>Not thread-safe; derive one per consumer instead of sharing.</remarks>
public sealed class SplitMix64(ulong seed)
{
    private const ulong Golden = 0x9E3779B97F4A7C15;

    // Tag of the per-example streams, distinct from the tags the planners use so no two purposes share a stream.
    private const ulong ExampleDomain = 0x45584D50; // "EXMP"

    private ulong state = seed;

    /// <summary>
    /// A generator for one purpose, keyed by a path such as (domain, epoch, bucket). Each path element goes through the
    /// SplitMix64 finalizer, a bijection, so different paths give unrelated streams: a reader of the plan can add
    /// buckets or examples without shifting the random numbers of any other.
    /// </summary>
    public static SplitMix64 Derive(ulong seed, params ReadOnlySpan<ulong> path)
    {
        ulong key = Mix(seed);
        foreach (ulong part in path) key = Mix((key + Golden) ^ Mix(part + Golden));
        return new SplitMix64(key);
    }

    /// <summary>
    /// The generator of example <paramref name="index"/> of <paramref name="epoch"/>. Crops and mixtures drawn from it
    /// are the same whichever data node, worker thread or retry produces the example.
    /// </summary>
    public static SplitMix64 ForExample(ulong seed, int epoch, long index)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(epoch);
        ArgumentOutOfRangeException.ThrowIfNegative(index);
        return Derive(seed, ExampleDomain, (ulong)epoch, (ulong)index);
    }

    public ulong NextUInt64()
    {
        state += Golden;
        return Mix(state);
    }

    /// <summary>Uniform in [0, <paramref name="exclusiveBound"/>), without modulo bias (Lemire's method).</summary>
    public int NextInt(int exclusiveBound)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(exclusiveBound);
        ulong bound = (ulong)exclusiveBound;
        ulong high = Math.BigMul(NextUInt64(), bound, out ulong low);
        if (low < bound)
        {
            ulong threshold = (0 - bound) % bound;
            while (low < threshold) high = Math.BigMul(NextUInt64(), bound, out low);
        }

        return (int)high;
    }

    /// <summary>Uniform in [0, 1) with 53 random bits, every representable step equally likely.</summary>
    public double NextDouble() => (NextUInt64() >> 11) * (1.0 / (1UL << 53));

    /// <summary>Fisher–Yates shuffle in place.</summary>
    public void Shuffle<T>(Span<T> items)
    {
        for (int i = items.Length - 1; i > 0; i--)
        {
            int j = NextInt(i + 1);
            (items[i], items[j]) = (items[j], items[i]);
        }
    }

    private static ulong Mix(ulong z)
    {
        z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9;
        z = (z ^ (z >> 27)) * 0x94D049BB133111EB;
        return z ^ (z >> 31);
    }
}
