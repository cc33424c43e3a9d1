using System.Diagnostics.Metrics;
using Cluster.DataNode.Batches;
using Cluster.Shared.Protocol;

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

    // Input SI-SNR of mixtures, dB: -36 dB (the reported broken corpus) must land far from the 0 to 15 dB of a sane one.
    private static readonly double[] SiSnrBuckets = [-40, -30, -20, -15, -10, -5, 0, 5, 10, 15, 20, 30];

    private readonly Meter meter = new(MeterName);
    private readonly KeyValuePair<string, object?>[] node;
    private readonly Counter<long> batches;
    private readonly Counter<long> examples;
    private readonly Histogram<double> buildDuration;
    private readonly Counter<long> bytesSent;
    private readonly Counter<long> skipped;
    private readonly Gauge<long> inFlight;
    private readonly Gauge<long> shards;
    private readonly Counter<double> audioDecoded;
    private readonly Histogram<double> inputSiSnr;

    public DataNodeMetrics(string nodeName)
    {
        node = [new("node", nodeName)];
        audioDecoded = meter.CreateCounter<double>("cluster.data.audio.decoded", "s", "Seconds of audio decoded into the batches built");
        inputSiSnr = meter.CreateHistogram<double>("cluster.data.input.si_snr.db", null,
            "Input SI-SNR (dB) of each enhancement example built: noisy against clean, before any model",
            advice: new InstrumentAdvice<double> { HistogramBucketBoundaries = SiSnrBuckets });
        batches = meter.CreateCounter<long>("cluster.data.batches", "{batch}", "Batches built and sent");
        examples = meter.CreateCounter<long>("cluster.data.examples", "{example}", "Examples in the batches sent");
        buildDuration = meter.CreateHistogram<double>("cluster.data.batch.build.duration", "s", "Time to build a batch on a worker",
            advice: new InstrumentAdvice<double> { HistogramBucketBoundaries = BuildBuckets });
        bytesSent = meter.CreateCounter<long>("cluster.data.sent", "By", "Bytes of batches sent to trainers");
        skipped = meter.CreateCounter<long>("cluster.data.skipped.examples", "{example}", "Examples left out of batches, by reason");
        inFlight = meter.CreateGauge<long>("cluster.data.requests.in_flight", "{request}", "Batch requests routed to shards and not yet answered");
        shards = meter.CreateGauge<long>("cluster.data.shards", "{shard}", "Shards this node owns");
    }

    /// <summary>The worker pool's state, read at every collection: builds waiting or running, workers busy now, and
    /// their busy time.</summary>
    public void Observe(WorkerPool workers)
    {
        ArgumentNullException.ThrowIfNull(workers);
        meter.CreateObservableGauge("cluster.data.batches.in_flight", () => new Measurement<int>(workers.Pending, node), "{batch}",
            "Batch builds handed to the workers and not finished (waiting for a worker or running)");
        meter.CreateObservableGauge("cluster.data.worker.busy.ratio", () => new Measurement<double>((double)workers.Busy / workers.Workers, node), null,
            "Share of the workers building a batch now");
        meter.CreateObservableCounter("cluster.data.worker.busy.time", () => new Measurement<double>(workers.BusyTime.TotalSeconds, node), "s",
            "Worker time spent building batches (its rate divided by cluster_data_node_workers is the busy share over time)");
        meter.CreateObservableGauge("cluster.data.node.workers", () => new Measurement<int>(workers.Workers, node), "{worker}",
            "Batches this node builds at once");
    }

    /// <summary>A batch of <paramref name="kind"/> (whisper, enhancement) was built in <paramref name="seconds"/> and sent.</summary>
    public void Built(string kind, double seconds, BatchData batch)
    {
        ArgumentNullException.ThrowIfNull(batch);
        KeyValuePair<string, object?>[] labels = [.. node, new("kind", kind)];
        batches.Add(1, labels);
        examples.Add(batch.Examples, labels);
        buildDuration.Record(seconds, labels);
        bytesSent.Add(batch.CalculateSize(), node);
        audioDecoded.Add(batch.AudioSeconds, labels);
        foreach (float db in batch.InputSiSnrDb) inputSiSnr.Record(db, node);
        foreach (var group in batch.Skipped.Select(s => s.Reason).GroupBy(SkipCategory))
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
