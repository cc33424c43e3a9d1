using System.Net;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using OpenTelemetry.Metrics;
using OpenTelemetry.Resources;
using OpenTelemetry.Trace;

namespace Cluster.Shared.Observability;

/// <summary>
/// This process's metrics for Prometheus: <c>GET /metrics</c> on its own small Kestrel server, serving the process's
/// meters (<see cref="MetricsEndpointOptions.Meters"/>) and the .NET runtime's, as the OpenTelemetry SDK reads them.
/// Read-only: another method gets 405, another path 404. Requests are small and quick or refused (header size and
/// time limits, no body, few connections), so a misbehaving client cannot disturb training.
/// </summary>
/// <remarks>
/// prometheus-net's own adapter for .NET meters was tried first and not used (2026-12-07, 8.2.1): it exported counters
/// as gauges without <c>_total</c>, prefixed every name with the meter's, and dropped what was recorded before it
/// listened. OpenTelemetry's exporter gives Prometheus's conventions from the instruments' names and units.
/// </remarks>
public sealed class MetricsEndpoint : IAsyncDisposable
{
    private static readonly (string Instrument, string Name)[] RuntimeRenames =
    [
        ("dotnet.assembly.count", "dotnet.assemblies"),
        ("dotnet.process.cpu.count", "dotnet.process.cpus"),
        ("dotnet.thread_pool.thread.count", "dotnet.thread_pool.threads"),
        ("dotnet.timer.count", "dotnet.timers"),
    ];

    private readonly WebApplication app;

    private MetricsEndpoint(WebApplication app, Uri url)
    {
        this.app = app;
        Url = url;
    }

    /// <summary>The scrape address, e.g. <c>http://127.0.0.1:9464/metrics</c>.</summary>
    public Uri Url { get; }

    /// <exception cref="IOException">The port cannot be bound (in use, or not allowed); the message names it.</exception>
    public static async Task<MetricsEndpoint> StartAsync(MetricsEndpointOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        builder.WebHost.ConfigureKestrel(kestrel =>
        {
            kestrel.Listen(options.Address, options.Port);
            kestrel.AddServerHeader = false;
            kestrel.Limits.MaxConcurrentConnections = 16;
            kestrel.Limits.MaxRequestBodySize = 0;
            kestrel.Limits.MaxRequestHeadersTotalSize = 16 * 1024;
            kestrel.Limits.MaxRequestLineSize = 2 * 1024;
            kestrel.Limits.RequestHeadersTimeout = TimeSpan.FromSeconds(5);
        });
        var telemetry = builder.Services.AddOpenTelemetry()
            .ConfigureResource(resource => resource.AddService(options.Service).AddAttributes(options.Attributes))
            .WithMetrics(metrics =>
            {
                foreach (string meter in options.Meters) metrics.AddMeter(meter);
                metrics.AddRuntimeInstrumentation();
                // The runtime's gauges named *.count would end in _count, which Prometheus keeps for histogram and
                // summary series (promtool check metrics refuses them); they are served under plural names instead.
                foreach (var (instrument, name) in RuntimeRenames) metrics.AddView(instrument, name);
                // Every scrape reads the instruments anew (the exporter's default reuses an answer for 300 ms).
                metrics.AddPrometheusExporter(exporter => exporter.ScrapeResponseCacheDurationMilliseconds = 0);
                if (options.Otlp is { } otlp) metrics.AddOtlpExporter(exporter => exporter.Endpoint = otlp.Endpoint);
            });
        // Spans are made (and cost anything) only where a collector takes them.
        if (options.Otlp is { } traces)
        {
            telemetry.WithTracing(tracing =>
            {
                foreach (string source in options.ActivitySources) tracing.AddSource(source);
                tracing.SetSampler(new ParentBasedSampler(new TraceIdRatioBasedSampler(traces.TraceSampleRatio)))
                    .AddOtlpExporter(exporter => exporter.Endpoint = traces.Endpoint);
            });
        }
        var app = builder.Build();
        app.MapPrometheusScrapingEndpoint().WithMetadata(new HttpMethodMetadata([HttpMethods.Get]));
        try
        {
            await app.StartAsync().ConfigureAwait(false);
        }
        catch (Exception error) when (error is IOException or System.Net.Sockets.SocketException or InvalidOperationException)
        {
            await app.DisposeAsync().ConfigureAwait(false);
            throw new IOException($"cannot serve metrics on {options.Address}:{options.Port}: {error.Message}", error);
        }
        var bound = app.Urls.Select(u => new Uri(u)).First();
        return new MetricsEndpoint(app, new Uri(bound, "/metrics"));
    }

    public async ValueTask DisposeAsync()
    {
        await app.StopAsync().ConfigureAwait(false);
        await app.DisposeAsync().ConfigureAwait(false);
    }
}

/// <summary>Where and what a node serves for Prometheus.</summary>
/// <param name="Service">The OpenTelemetry service name (<c>cluster-trainer</c>, ...), in <c>target_info</c>.</param>
/// <param name="Meters">The meters to serve (the node's role's).</param>
public sealed record MetricsEndpointOptions(string Service, IReadOnlyList<string> Meters)
{
    /// <summary>Loopback unless the deployment says otherwise (a pod's IP in Kubernetes).</summary>
    public IPAddress Address { get; init; } = IPAddress.Loopback;

    /// <summary>0 takes a free port (<see cref="MetricsEndpoint.Url"/> says which).</summary>
    public int Port { get; init; }

    /// <summary>Resource attributes for <c>target_info</c> (job, node, ...).</summary>
    public IReadOnlyDictionary<string, object> Attributes { get; init; } = new Dictionary<string, object>();

    /// <summary>Where metrics and traces also go over OTLP; null: only <c>/metrics</c>, and no traces.</summary>
    public OtlpExport? Otlp { get; init; }

    /// <summary>The <see cref="System.Diagnostics.ActivitySource"/> names whose spans are exported with <see cref="Otlp"/>.</summary>
    public IReadOnlyList<string> ActivitySources { get; init; } = [];
}

/// <summary>An OTLP collector (gRPC) and the share of traces sampled.</summary>
public sealed record OtlpExport(Uri Endpoint, double TraceSampleRatio);
