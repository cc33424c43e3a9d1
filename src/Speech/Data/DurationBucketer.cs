namespace Cluster.Speech.Data;

/// <summary>
/// Plans the batches of an epoch the way Lhotse's dynamic bucketing does: utterances of similar duration share a
/// bucket, so a batch pads little; each bucket is shuffled and cut into batches under a padded-frame budget (or of a
/// fixed size); then the batch order is shuffled across buckets, so training does not see all short clips first.
/// </summary>
/// <remarks>
/// The plan is a pure function of the utterance list, the options, the seed and the epoch: a resumed job rebuilds the
/// same plan and the ledger picks up at the same batch. Every utterance is in exactly one batch per epoch; the last,
/// partial batch of each bucket is kept rather than dropped. An utterance that alone exceeds the budget is an error
/// rather than a batch of one over budget, because such a batch could run the GPU out of the memory the budget was
/// sized for; validation rejects clips over 30 s, which a budget of 3000 frames or more always fits.
/// </remarks>
public sealed class DurationBucketer
{
    private const int ListedIdLimit = 20;

    // Stream tags, so that bucket shuffles and the batch order never draw from one stream.
    private const ulong BucketShuffleDomain = 0x42434B54; // "BCKT"
    private const ulong BatchOrderDomain = 0x4F524452; // "ORDR"

    /// <exception cref="ArgumentException">The options are inconsistent.</exception>
    public DurationBucketer(BucketingOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        if (!(double.IsFinite(options.FramesPerSecond) && options.FramesPerSecond > 0))
            throw new ArgumentException($"FramesPerSecond must be positive, not {options.FramesPerSecond}", nameof(options));
        if (options.MaxFramesPerBatch.HasValue == options.BatchSize.HasValue)
            throw new ArgumentException("set exactly one of MaxFramesPerBatch and BatchSize", nameof(options));
        if (options.MaxFramesPerBatch is <= 0)
            throw new ArgumentException($"MaxFramesPerBatch must be positive, not {options.MaxFramesPerBatch}", nameof(options));
        if (options.BatchSize is <= 0)
            throw new ArgumentException($"BatchSize must be positive, not {options.BatchSize}", nameof(options));
        if (options.Boundaries is { } edges)
        {
            for (int i = 0; i < edges.Count; i++)
            {
                if (!(double.IsFinite(edges[i]) && edges[i] > 0 && (i == 0 || edges[i] > edges[i - 1])))
                    throw new ArgumentException($"Boundaries must be positive, finite and strictly increasing: {string.Join(", ", edges)}", nameof(options));
            }
        }
        else if (options.BucketCount <= 0)
        {
            throw new ArgumentException($"BucketCount must be positive, not {options.BucketCount}", nameof(options));
        }

        Options = options;
    }

    public BucketingOptions Options { get; }

    /// <summary>
    /// Frames of a clip of <paramref name="seconds"/>, rounded up, at least 1 so a batch of empty clips cannot grow
    /// without bound. The tolerance keeps 3.0 s × 100 (300.00000000000006 in floating point) at 300 frames.
    /// </summary>
    public long Frames(double seconds) => Math.Max(1, (long)Math.Ceiling(seconds * Options.FramesPerSecond - 1e-6));

    /// <summary>Plans epoch <paramref name="epoch"/>.</summary>
    /// <exception cref="ArgumentException">An utterance has no duration, ids repeat, or an utterance alone exceeds
    /// the budget; the message names them.</exception>
    public EpochPlan Plan(IReadOnlyList<Utterance> utterances, ulong seed, int epoch)
    {
        ArgumentNullException.ThrowIfNull(utterances);
        return Plan([.. utterances.Select((u, i) => u is null
            ? throw new ArgumentException($"utterance {i} is null", nameof(utterances))
            : (u.Id, u.Duration))], seed, epoch);
    }

    /// <summary>Plans epoch <paramref name="epoch"/> of items known by id and duration alone (what a plan needs).</summary>
    /// <exception cref="ArgumentException">As the overload for utterances.</exception>
    public EpochPlan Plan(IReadOnlyList<(string Id, double? Seconds)> items, ulong seed, int epoch)
    {
        ArgumentNullException.ThrowIfNull(items);
        ArgumentOutOfRangeException.ThrowIfNegative(epoch);
        double[] durations = Durations(items);
        long[] frames = [.. durations.Select(Frames)];
        if (Options.MaxFramesPerBatch is long budget)
        {
            string[] tooLong = [.. Enumerable.Range(0, frames.Length).Where(i => frames[i] > budget)
                .Select(i => $"'{items[i].Id}' ({durations[i]} s)")];
            if (tooLong.Length > 0)
                throw new ArgumentException($"utterances that alone exceed the budget of {budget} frames " +
                    $"({budget / Options.FramesPerSecond} s): {Listed(tooLong)}; raise MaxFramesPerBatch or reject such clips in validation",
                    nameof(items));
        }

        IReadOnlyList<double> boundaries = Options.Boundaries ?? Quantiles(durations, Options.BucketCount);
        var buckets = new List<int>[boundaries.Count + 1];
        for (int b = 0; b < buckets.Length; b++) buckets[b] = [];
        for (int i = 0; i < durations.Length; i++) buckets[BucketOf(boundaries, durations[i])].Add(i);

        var batches = new List<(int Bucket, int[] Items)>();
        for (int b = 0; b < buckets.Length; b++)
        {
            int[] order = [.. buckets[b]];
            SplitMix64.Derive(seed, BucketShuffleDomain, (ulong)epoch, (ulong)b).Shuffle(order.AsSpan());
            foreach (int[] batch in Cut(order, frames)) batches.Add((b, batch));
        }

        (int Bucket, int[] Items)[] ordered = [.. batches];
        SplitMix64.Derive(seed, BatchOrderDomain, (ulong)epoch).Shuffle(ordered.AsSpan());
        PlannedBatch[] planned = new PlannedBatch[ordered.Length];
        for (int p = 0; p < ordered.Length; p++)
        {
            int[] members = ordered[p].Items;
            planned[p] = new PlannedBatch($"e{epoch}-b{p}", ordered[p].Bucket,
                Array.AsReadOnly(members.Select(i => items[i].Id).ToArray()),
                members.Sum(i => frames[i]), members.Length * members.Max(i => frames[i]));
        }

        return new EpochPlan(seed, epoch, boundaries, Array.AsReadOnly(planned));
    }

    private IEnumerable<int[]> Cut(int[] order, long[] frames)
    {
        if (Options.BatchSize is int size)
        {
            foreach (int[] chunk in order.Chunk(size)) yield return chunk;
            yield break;
        }

        long budget = Options.MaxFramesPerBatch!.Value;
        var current = new List<int>();
        long longest = 0;
        foreach (int item in order)
        {
            long widest = Math.Max(longest, frames[item]);
            if (current.Count > 0 && (current.Count + 1) * widest > budget)
            {
                yield return [.. current];
                current.Clear();
                widest = frames[item];
            }

            current.Add(item);
            longest = widest;
        }

        if (current.Count > 0) yield return [.. current];
    }

    private static double[] Durations(IReadOnlyList<(string Id, double? Seconds)> items)
    {
        var ids = new HashSet<string>(StringComparer.Ordinal);
        var unknown = new List<string>();
        var repeated = new List<string>();
        double[] durations = new double[items.Count];
        for (int i = 0; i < items.Count; i++)
        {
            (string id, double? length) = items[i];
            if (!ids.Add(id)) repeated.Add($"'{id}'");
            if (length is double seconds) durations[i] = seconds;
            else unknown.Add($"'{id}'");
        }

        if (repeated.Count > 0)
            throw new ArgumentException($"ids appear more than once: {Listed(repeated)}", nameof(items));
        if (unknown.Count > 0)
            throw new ArgumentException($"utterances without a duration (validation measures it): {Listed(unknown)}", nameof(items));
        return durations;
    }

    /// <summary>
    /// Edges that give each bucket about the same total duration, as Lhotse's estimate_duration_buckets does: with
    /// equal counts instead, the long tail of a speech corpus (2 s to 30 s clips in the last bucket) would pad as
    /// badly as no bucketing. Repeated edges (many clips of one length) are merged, giving fewer buckets rather than
    /// empty ones.
    /// </summary>
    private static double[] Quantiles(double[] durations, int count)
    {
        double[] sorted = [.. durations.Order()];
        double total = sorted.Sum();
        var edges = new List<double>();
        double cumulative = 0;
        int k = 1;
        foreach (double duration in sorted)
        {
            if (k >= count) break;
            // The clip that crosses the k-th share of the total opens bucket k.
            if (cumulative + duration > total * k / count)
            {
                if (duration > sorted[0] && (edges.Count == 0 || duration > edges[^1])) edges.Add(duration);
                while (k < count && cumulative + duration > total * k / count) k++;
            }

            cumulative += duration;
        }

        return [.. edges];
    }

    private static int BucketOf(IReadOnlyList<double> boundaries, double duration)
    {
        int bucket = 0;
        while (bucket < boundaries.Count && duration >= boundaries[bucket]) bucket++;
        return bucket;
    }

    private static string Listed(IReadOnlyList<string> items) =>
        string.Join(", ", items.Take(ListedIdLimit)) + (items.Count > ListedIdLimit ? $" and {items.Count - ListedIdLimit} more" : "") + $" ({items.Count} in all)";
}
