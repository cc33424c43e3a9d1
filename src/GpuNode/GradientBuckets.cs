namespace Cluster.GpuNode;

/// <summary>
/// Groups parameters into all-reduce buckets of at most a byte budget, in reverse registration order (roughly the order
/// backward finishes their gradients), as DistributedDataParallel does. A parameter larger than the budget gets a
/// bucket of its own. Every rank computes the same buckets from the same model, so the collectives match.
/// </summary>
public static class GradientBuckets
{
    public const long DefaultBucketBytes = 25L * 1024 * 1024;

    /// <param name="byteSizes">The gradients' sizes in bytes, in registration order.</param>
    /// <returns>Buckets of indices into <paramref name="byteSizes"/>.</returns>
    public static IReadOnlyList<IReadOnlyList<int>> Plan(IReadOnlyList<long> byteSizes, long bucketBytes = DefaultBucketBytes)
    {
        ArgumentNullException.ThrowIfNull(byteSizes);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(bucketBytes);
        var buckets = new List<IReadOnlyList<int>>();
        var current = new List<int>();
        long filled = 0;
        for (int i = byteSizes.Count - 1; i >= 0; i--)
        {
            if (byteSizes[i] < 0) throw new ArgumentException($"parameter {i} has a negative size", nameof(byteSizes));
            if (current.Count > 0 && filled + byteSizes[i] > bucketBytes)
            {
                buckets.Add(current);
                current = [];
                filled = 0;
            }
            current.Add(i);
            filled += byteSizes[i];
        }
        if (current.Count > 0) buckets.Add(current);
        return buckets;
    }
}
