using System.Diagnostics.Metrics;

namespace Cluster.DataNode;

/// <summary>
/// The data node's instruments (meter <see cref="MeterName"/>), recorded where batches are built and requests routed.
/// Labels stay bounded: node and batch kind, and a skip reason reduced to a category (<see cref="SkipCategory"/>).
/// </summary>
public sealed class DataNodeMetrics : IDisposable
{
    public const string MeterName = "Cluster.DataNode";

    // Builds from milliseconds (short clips) to a minute (long recordings decoded on a busy CPU).
    private static readonly double[] BuildBuckets = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60];

    private readonly Meter meter = new(MeterName);
    private readonly KeyValuePair<string, object?>[] node;
    private readonly Counter<long> batches;
    private readonly Counter<long> examples;
    private readonly Histogram<double> buildDuration;
    private readonly Counter<long> bytesSent;
    private readonly Counter<long> skipped;
    private readonly Gauge<long> inFlight;
    private readonly Gauge<long> shards;

    public DataNodeMetrics(string nodeName)
    {
        node = [new("node", nodeName)];
        batches = meter.CreateCounter<long>("cluster.data.batches", "{batch}", "Batches built and sent");
        examples = meter.CreateCounter<long>("cluster.data.examples", "{example}", "Examples in the batches sent");
        buildDuration = meter.CreateHistogram<double>("cluster.data.batch.build.duration", "s", "Time to build a batch on a worker",
            advice: new InstrumentAdvice<double> { HistogramBucketBoundaries = BuildBuckets });
        bytesSent = meter.CreateCounter<long>("cluster.data.sent", "By", "Bytes of batches sent to trainers");
        skipped = meter.CreateCounter<long>("cluster.data.skipped.examples", "{example}", "Examples left out of batches, by reason");
        inFlight = meter.CreateGauge<long>("cluster.data.requests.in_flight", "{request}", "Batch requests routed to shards and not yet answered");
        shards = meter.CreateGauge<long>("cluster.data.shards", "{shard}", "Shards this node owns");
    }

    /// <summary>A batch of <paramref name="kind"/> (whisper, enhancement) was built in <paramref name="seconds"/> and sent.</summary>
    public void Built(string kind, double seconds, int exampleCount, long bytes, IEnumerable<string> skipReasons)
    {
        ArgumentNullException.ThrowIfNull(skipReasons);
        KeyValuePair<string, object?>[] labels = [.. node, new("kind", kind)];
        batches.Add(1, labels);
        examples.Add(exampleCount, labels);
        buildDuration.Record(seconds, labels);
        bytesSent.Add(bytes, node);
        foreach (var group in skipReasons.GroupBy(SkipCategory))
            skipped.Add(group.Count(), [.. node, new("reason", group.Key)]);
    }

    /// <summary>What the node serves now (after an assignment, a request or an answer).</summary>
    public void Serving(int requestsInFlight, int shardCount)
    {
        inFlight.Record(requestsInFlight, node);
        shards.Record(shardCount, node);
    }

    /// <summary>
    /// A skip reason as a label value: the builders' reasons name files and numbers, which must not become series, so
    /// each is reduced to what it is about.
    /// </summary>
    public static string SkipCategory(string reason)
    {
        ArgumentNullException.ThrowIfNull(reason);
        return reason switch
        {
            _ when reason.Contains("unreadable", StringComparison.Ordinal) => "unreadable",
            _ when reason.Contains("NaN/Inf", StringComparison.Ordinal) => "non_finite",
            _ when reason.Contains("no samples", StringComparison.Ordinal) => "empty_audio",
            _ when reason.Contains("silent", StringComparison.Ordinal) => "silent",
            _ when reason.Contains("not aligned", StringComparison.Ordinal) => "not_aligned",
            _ when reason.Contains("longer than", StringComparison.Ordinal) => "too_long",
            _ when reason.Contains("label sequence", StringComparison.Ordinal) => "too_many_tokens",
            _ when reason.Contains("empty transcript", StringComparison.Ordinal) => "empty_transcript",
            _ when reason.StartsWith("batch build failed", StringComparison.Ordinal) => "build_failed",
            _ => "other",
        };
    }

    public void Dispose() => meter.Dispose();
}
