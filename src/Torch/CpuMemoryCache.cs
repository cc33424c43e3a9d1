using Cluster.Torch.Interop;

namespace Cluster.Torch;

/// <summary>
/// Keeps freed CPU tensor memory for reuse (shim_allocator.cpp), as PyTorch's CUDA caching allocator does on the GPU.
/// Without it every large tensor lands on fresh pages from the kernel, one page fault per 4 KiB; a training step
/// allocates the same sizes every step, so a warm cache serves nearly all of them. Blocks under 64 KiB are not cached.
/// </summary>
public static class CpuMemoryCache
{
    /// <summary>Installs the cache (once per process) and sets how many freed bytes it may hold; 0 holds none.</summary>
    public static void Configure(long maxCachedBytes)
    {
        if (maxCachedBytes < 0) throw new ArgumentOutOfRangeException(nameof(maxCachedBytes), maxCachedBytes, "the CPU memory cache limit must be at least 0 bytes");
        NativeCheck.Status(Native.ts_cpu_cache_configure(maxCachedBytes));
    }

    /// <summary>The limit a trainer uses: <paramref name="configuredGiB"/> when set, else half of
    /// <paramref name="availableMemoryBytes"/> (what the process may use: the machine's memory or its container's
    /// limit). The cache only holds what the trainer itself used moments before, so its own peak bounds it; the limit
    /// guards against sizes that stop recurring (shapes that change for good).</summary>
    public static long LimitFor(double? configuredGiB, long availableMemoryBytes)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(availableMemoryBytes);
        if (configuredGiB is not { } gib) return availableMemoryBytes / 2;
        if (!(gib >= 0) || double.IsInfinity(gib)) throw new ArgumentOutOfRangeException(nameof(configuredGiB), gib, "the CPU memory cache limit must be a finite number of GiB, at least 0");
        return (long)Math.Min(gib * (1L << 30), long.MaxValue / 2);
    }

    /// <summary>Returns every cached block to the system (tensors in use are untouched).</summary>
    public static void Empty() => NativeCheck.Status(Native.ts_cpu_cache_empty());

    public static unsafe CpuMemoryCacheStats Stats()
    {
        var values = stackalloc long[4];
        NativeCheck.Status(Native.ts_cpu_cache_stats(values, 4));
        return new CpuMemoryCacheStats(values[0], values[1], values[2], values[3]);
    }
}

/// <param name="CachedBytes">Freed bytes held for reuse.</param>
/// <param name="Hits">Allocations served from the cache.</param>
/// <param name="Misses">Allocations of a cached size class that went to the system.</param>
/// <param name="MaxCachedBytes">The limit on <paramref name="CachedBytes"/>.</param>
public readonly record struct CpuMemoryCacheStats(long CachedBytes, long Hits, long Misses, long MaxCachedBytes);
