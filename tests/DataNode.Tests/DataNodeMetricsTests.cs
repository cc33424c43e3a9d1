using Cluster.Shared.Observability;
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
        metrics.Built("whisper", 0.2, exampleCount: 7, bytes: 1000, ["unreadable audio: a.wav: gone", "empty transcript", "unreadable audio: b.wav: gone"]);
        metrics.Built("whisper", 0.4, exampleCount: 8, bytes: 500, []);
        metrics.Serving(requestsInFlight: 3, shardCount: 4);

        using var http = new HttpClient();
        var scraped = new PrometheusSamples(await http.GetStringAsync(endpoint.Url));
        (string, string)[] whisper = [("node", "data-3"), ("kind", "whisper")];
        Assert.Equal("counter", scraped.Types["cluster_data_batches_total"]);
        Assert.Equal(2, scraped.Value("cluster_data_batches_total", whisper));
        Assert.Equal(15, scraped.Value("cluster_data_examples_total", whisper));
        Assert.Equal(2, scraped.Value("cluster_data_batch_build_duration_seconds_count", whisper));
        Assert.Equal(1500, scraped.Value("cluster_data_sent_bytes_total", ("node", "data-3")));
        Assert.Equal(2, scraped.Value("cluster_data_skipped_examples_total", ("reason", "unreadable")));
        Assert.Equal(1, scraped.Value("cluster_data_skipped_examples_total", ("reason", "empty_transcript")));
        Assert.Equal(3, scraped.Value("cluster_data_requests_in_flight", ("node", "data-3")));
        Assert.Equal(4, scraped.Value("cluster_data_shards", ("node", "data-3")));
    }
}
