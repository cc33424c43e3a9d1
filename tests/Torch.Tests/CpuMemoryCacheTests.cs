using static Cluster.Torch.torch;

namespace Cluster.Torch.Tests;

/// <summary>The cache is process-wide, so these run in the serial collection: another test's allocations would move
/// the counters. Each test leaves the cache off (limit 0, nothing held).</summary>
[Collection(nameof(MemoryTests))]
public sealed class CpuMemoryCacheTests : IDisposable
{
    // An odd element count, so no other tensor of the process shares the size class by chance.
    private const long Elements = 1_000_003;
    private const long Bytes = Elements * sizeof(float);

    [Fact]
    public void A_freed_block_serves_the_next_allocation_of_its_size_class()
    {
        CpuMemoryCache.Configure(1L << 30);
        CpuMemoryCache.Empty();
        var before = CpuMemoryCache.Stats();

        using (full([Elements], 3f)) { }
        var afterFree = CpuMemoryCache.Stats();
        using var again = ones([Elements]);

        Assert.InRange(afterFree.CachedBytes, Bytes, Bytes + Bytes / 8);
        Assert.Equal(before.Misses + 1, afterFree.Misses);
        Assert.Equal(before.Hits + 1, CpuMemoryCache.Stats().Hits);
        Assert.Equal(0, CpuMemoryCache.Stats().CachedBytes);
        // The reused block holds what the new tensor wrote, not the old one's values.
        Assert.Equal((float)Elements, again.sum().item<float>());
    }

    [Fact]
    public void A_size_that_rounds_to_the_same_class_reuses_the_block()
    {
        CpuMemoryCache.Configure(1L << 30);
        CpuMemoryCache.Empty();

        using (zeros([Elements])) { }
        var before = CpuMemoryCache.Stats();
        // 1 000 003 and 1 000 100 floats both round up to the same class (8 classes per power of two).
        using var slightlyLonger = zeros([Elements + 97]);

        Assert.Equal(before.Hits + 1, CpuMemoryCache.Stats().Hits);
        Assert.Equal(0, CpuMemoryCache.Stats().CachedBytes);
    }

    [Fact]
    public void Limit_zero_keeps_nothing_and_lowering_the_limit_evicts()
    {
        CpuMemoryCache.Configure(0);
        using (zeros([Elements])) { }
        Assert.Equal(0, CpuMemoryCache.Stats().CachedBytes);

        CpuMemoryCache.Configure(1L << 30);
        using (zeros([Elements])) { }
        using (zeros([2 * Elements])) { }
        Assert.True(CpuMemoryCache.Stats().CachedBytes >= 3 * Bytes);

        CpuMemoryCache.Configure(2 * Bytes);
        var lowered = CpuMemoryCache.Stats();
        Assert.InRange(lowered.CachedBytes, 1, 2 * Bytes);
        Assert.Equal(2 * Bytes, lowered.MaxCachedBytes);
    }

    [Fact]
    public void Small_blocks_are_left_to_malloc()
    {
        CpuMemoryCache.Configure(1L << 30);
        CpuMemoryCache.Empty();

        using (zeros([1000])) { }

        Assert.Equal(0, CpuMemoryCache.Stats().CachedBytes);
    }

    [Fact]
    public void The_trainer_limit_is_half_the_memory_unless_configured()
    {
        Assert.Equal(8L << 30, CpuMemoryCache.LimitFor(null, 16L << 30));
        Assert.Equal(0, CpuMemoryCache.LimitFor(0, 16L << 30));
        Assert.Equal(3L << 29, CpuMemoryCache.LimitFor(1.5, 16L << 30));
        Assert.Throws<ArgumentOutOfRangeException>(() => CpuMemoryCache.LimitFor(-1, 16L << 30));
        Assert.Throws<ArgumentOutOfRangeException>(() => CpuMemoryCache.LimitFor(double.NaN, 16L << 30));
        Assert.Throws<ArgumentOutOfRangeException>(() => CpuMemoryCache.Configure(-1));
    }

    public void Dispose()
    {
        CpuMemoryCache.Configure(0);
        CpuMemoryCache.Empty();
    }
}
