using Cluster.DataNode.Batches;
using Cluster.Shared.Observability;
using Cluster.Shared.Protocol;
using Cluster.Shared.Wire;
using Cluster.Tests.Common;

namespace Cluster.DataNode.Tests;

public sealed class DataNodeMetricsTests
{
    [Theory]
    [InlineData("unreadable audio: /data/x.wav: file not found", "unreadable")]
    [InlineData("clean audio has a NaN/Inf sample at 0.006 s", "non_finite")]
    [InlineData("the cropped clean window is silent, so no SNR can be set", "silent")]
    [InlineData("noisy has 8000 samples but clean has 7000: the pair is not aligned", "not_aligned")]
    [InlineData("31.2 s, longer than the 30 s a batch holds", "too_long")]
    [InlineData("label sequence of 500 tokens, more than 448", "too_many_tokens")]
    [InlineData("empty transcript", "empty_transcript")]
    [InlineData("batch build failed: decoder crashed", "build_failed")]
    [InlineData("something new", "other")]
    public void A_skip_reason_becomes_a_bounded_category(string reason, string category) =>
        Assert.Equal(category, DataNodeMetrics.SkipCategory(reason));

    [Fact]
    public async Task Built_batches_and_what_the_node_serves_become_prometheus_series()
    {
        using var metrics = new DataNodeMetrics("data-3");
        await using var endpoint = await MetricsEndpoint.StartAsync(new MetricsEndpointOptions("cluster-data", [DataNodeMetrics.MeterName]));
        var first = Batch(examples: 7, audioSeconds: 12.5, "unreadable audio: a.wav: gone", "empty transcript", "unreadable audio: b.wav: gone");
        var second = Batch(examples: 8, audioSeconds: 20);
        second.InputSiSnrDb.AddRange([-36f, 7.5f, 12f]);
        metrics.Built("whisper", 0.2, first);
        metrics.Built("whisper", 0.4, second);
        metrics.Serving(requestsInFlight: 3, shardCount: 4);

        using var http = new HttpClient();
        var scraped = new PrometheusSamples(await http.GetStringAsync(endpoint.Url));
        (string, string)[] whisper = [("node", "data-3"), ("kind", "whisper")];
        Assert.Equal("counter", scraped.Types["cluster_data_batches_total"]);
        Assert.Equal(2, scraped.Value("cluster_data_batches_total", whisper));
        Assert.Equal(15, scraped.Value("cluster_data_examples_total", whisper));
        Assert.Equal(2, scraped.Value("cluster_data_batch_build_duration_seconds_count", whisper));
        Assert.Equal(first.CalculateSize() + second.CalculateSize(), scraped.Value("cluster_data_sent_bytes_total", ("node", "data-3")));
        Assert.Equal(32.5, scraped.Value("cluster_data_audio_decoded_seconds_total", whisper), 6);
        Assert.Equal(2, scraped.Value("cluster_data_skipped_examples_total", ("reason", "unreadable")));
        Assert.Equal(1, scraped.Value("cluster_data_skipped_examples_total", ("reason", "empty_transcript")));
        Assert.Equal(3, scraped.Value("cluster_data_requests_in_flight", ("node", "data-3")));
        Assert.Equal(4, scraped.Value("cluster_data_shards", ("node", "data-3")));
        // The -36 dB mixture of the report falls in the lowest buckets, far from the sane ones.
        Assert.Equal(3, scraped.Value("cluster_data_input_si_snr_db_count", ("node", "data-3")));
        Assert.Equal(1, scraped.Value("cluster_data_input_si_snr_db_bucket", ("node", "data-3"), ("le", "-30")));
        Assert.Equal(2, scraped.Value("cluster_data_input_si_snr_db_bucket", ("node", "data-3"), ("le", "10")));
    }

    [Fact]
    public async Task The_worker_pool_is_observed_at_each_scrape()
    {
        using var metrics = new DataNodeMetrics("data-4");
        using var workers = new WorkerPool(2);
        metrics.Observe(workers);
        await using var endpoint = await MetricsEndpoint.StartAsync(new MetricsEndpointOptions("cluster-data", [DataNodeMetrics.MeterName]));
        using var release = new ManualResetEventSlim();
        int started = 0;
        // Two builds hold both workers and a third waits for one.
        var builds = Enumerable.Range(0, 3).Select(_ => workers.Run(() =>
        {
            Interlocked.Increment(ref started);
            release.Wait();
            return 0;
        })).ToList();
        Assert.True(SpinWait.SpinUntil(() => Volatile.Read(ref started) == 2, TimeSpan.FromSeconds(30)));

        using var http = new HttpClient();
        var busy = new PrometheusSamples(await http.GetStringAsync(endpoint.Url));
        Assert.Equal(3, busy.Value("cluster_data_batches_in_flight", ("node", "data-4")));
        Assert.Equal(1, busy.Value("cluster_data_worker_busy_ratio", ("node", "data-4")));
        Assert.Equal(2, busy.Value("cluster_data_node_workers", ("node", "data-4")));
        release.Set();
        await Task.WhenAll(builds);

        var idle = new PrometheusSamples(await http.GetStringAsync(endpoint.Url));
        Assert.Equal(0, idle.Value("cluster_data_batches_in_flight", ("node", "data-4")));
        Assert.Equal(0, idle.Value("cluster_data_worker_busy_ratio", ("node", "data-4")));
        Assert.True(idle.Value("cluster_data_worker_busy_time_seconds_total", ("node", "data-4")) > 0);
    }

    private static BatchData Batch(int examples, double audioSeconds, params string[] skipReasons)
    {
        var batch = new BatchData { BatchId = "b", Examples = examples, AudioSeconds = audioSeconds };
        batch.Skipped.AddRange(skipReasons.Select(reason => new SkippedExample { Id = "x", Reason = reason }));
        return batch;
    }
}
