using System.Diagnostics.Metrics;
using System.Net;
using Cluster.Shared.Observability;

namespace Cluster.Shared.Tests.Observability;

public sealed class MetricsEndpointTests
{
    [Fact]
    public async Task Serves_the_meters_in_prometheus_form_on_loopback_and_only_for_get_on_metrics()
    {
        using var meter = new Meter("Cluster.Test.Endpoint");
        var counter = meter.CreateCounter<long>("cluster.test.requests", unit: "{request}", description: "requests seen");
        var duration = meter.CreateHistogram<double>("cluster.test.duration", unit: "s", description: "how long");
        await using var endpoint = await MetricsEndpoint.StartAsync(new MetricsEndpointOptions("cluster-test", ["Cluster.Test.Endpoint"]));
        counter.Add(3, new KeyValuePair<string, object?>("role", "data"));
        duration.Record(0.25);
        using var http = new HttpClient();

        Assert.Equal(IPAddress.Loopback.ToString(), endpoint.Url.Host);
        string text = await http.GetStringAsync(endpoint.Url);
        Assert.Contains("# TYPE cluster_test_requests_total counter", text);
        Assert.Contains("cluster_test_requests_total{otel_scope_name=\"Cluster.Test.Endpoint\",role=\"data\"} 3", text);
        Assert.Contains("# TYPE cluster_test_duration_seconds histogram", text);
        Assert.Contains("# TYPE dotnet_gc_collections_total counter", text); // the runtime's own meter

        Assert.Equal(HttpStatusCode.MethodNotAllowed, (await http.PostAsync(endpoint.Url, new StringContent("x"))).StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, (await http.GetAsync(new Uri(endpoint.Url, "/status"))).StatusCode);
        var huge = new HttpRequestMessage(HttpMethod.Get, endpoint.Url);
        huge.Headers.Add("X-Padding", new string('x', 32 * 1024));
        Assert.Equal(HttpStatusCode.RequestHeaderFieldsTooLarge, (await http.SendAsync(huge)).StatusCode);
        // Still serving after the refusals.
        Assert.Contains("cluster_test_requests_total", await http.GetStringAsync(endpoint.Url));
    }

    [Fact]
    public async Task A_port_in_use_is_refused_naming_it()
    {
        await using var first = await MetricsEndpoint.StartAsync(new MetricsEndpointOptions("cluster-test", []));
        var error = await Assert.ThrowsAsync<IOException>(() => MetricsEndpoint.StartAsync(new MetricsEndpointOptions("cluster-test", []) { Port = first.Url.Port }));
        Assert.Contains($"127.0.0.1:{first.Url.Port}", error.Message);
    }
}
