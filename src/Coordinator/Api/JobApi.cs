using System.Net;
using System.Net.Sockets;
using System.Text.Json;
using Cluster.Coordinator.Runtime;
using Cluster.Shared.Actors;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace Cluster.Coordinator.Api;

/// <summary>
/// The job's HTTP API, on loopback unless configured otherwise: <c>GET /status</c> (JSON), <c>GET /status/history</c>
/// (the charts' samples, <see cref="StatusHistory"/>), the status page at <c>GET /</c> with its files under
/// <c>/assets/</c>, <c>POST /scale {"data_nodes": N}</c>, <c>POST /pause</c>, <c>/resume</c>, <c>/stop</c>. Pause and
/// stop checkpoint the current step first and answer when it is written, unless the body is
/// <c>{"checkpoint": false}</c>. Bad input is answered with 400 and the reason; a command the job cannot take now (e.g.
/// resume while training) with 409; another method on a path, e.g. <c>POST /</c>, with 405.
/// </summary>
public sealed class JobApi : IAsyncDisposable
{
    private static readonly TimeSpan CommandTimeout = TimeSpan.FromSeconds(10);

    // The page may load and connect only to the coordinator; it uses no inline script or style.
    private const string PagePolicy = "default-src 'none'; script-src 'self'; style-src 'self'; connect-src 'self'; img-src 'self' data:; " +
        "base-uri 'none'; form-action 'none'; frame-ancestors 'none'";
    private static readonly JsonSerializerOptions HistoryJson = new(JobStatus.Json) { WriteIndented = false };
    private readonly WebApplication app;

    private JobApi(WebApplication app, string url)
    {
        this.app = app;
        Url = url;
    }

    /// <summary>The address it listens on, e.g. http://127.0.0.1:41234.</summary>
    public string Url { get; }

    /// <param name="stopTimeout">How long a pause or stop may take to checkpoint (checkpointing.stop_timeout): the job
    /// answers within it, so the API waits that long and a little more.</param>
    public static async Task<JobApi> StartAsync(string host, int port, StatusBoard board, IActorRef job, TimeSpan stopTimeout)
    {
        ArgumentNullException.ThrowIfNull(board);
        ArgumentNullException.ThrowIfNull(job);
        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        string authority = IPAddress.TryParse(host, out IPAddress? address) && address.AddressFamily == AddressFamily.InterNetworkV6 ? $"[{host}]" : host;
        builder.WebHost.UseUrls($"http://{authority}:{port}");
        WebApplication app = builder.Build();
        app.MapGet("/status", () => board.Latest is { } status
            ? Results.Text(JsonSerializer.Serialize(status, JobStatus.Json), "application/json")
            : Results.Problem("the job has not started", statusCode: 503));
        app.MapGet("/status/history", (long? after) => after is < 0
            ? BadRequest($"after must be a sample's seq (0 or more), not {after}")
            : Results.Text(JsonSerializer.Serialize(board.History.Read(after ?? 0), HistoryJson), "application/json"));
        var assets = StatusPageAssets.Load();
        app.MapGet("/", (HttpResponse response) => Asset(response, assets, StatusPageAssets.Page));
        app.MapGet("/assets/{name}", (HttpResponse response, string name) => Asset(response, assets, name));
        app.MapPost("/scale", async (HttpRequest request) =>
        {
            int count;
            try
            {
                using JsonDocument body = await JsonDocument.ParseAsync(request.Body).ConfigureAwait(false);
                if (body.RootElement.ValueKind != JsonValueKind.Object || !body.RootElement.TryGetProperty("data_nodes", out JsonElement value))
                    return BadRequest("the body must be a JSON object with \"data_nodes\"");
                if (value.ValueKind != JsonValueKind.Number || !value.TryGetInt32(out count))
                    return BadRequest($"data_nodes must be an integer, not {value.GetRawText()}");
                var unknown = body.RootElement.EnumerateObject().Select(p => p.Name).Where(n => n != "data_nodes").ToList();
                if (unknown.Count > 0) return BadRequest($"unknown key(s): {string.Join(", ", unknown)}");
            }
            catch (JsonException error)
            {
                return BadRequest($"the body is not JSON: {error.Message}");
            }

            if (count < 1) return BadRequest($"data_nodes must be at least 1, not {count}");
            return await Send(job, new JobCommands.ScaleDataNodes(count), CommandTimeout).ConfigureAwait(false);
        });
        TimeSpan holdTimeout = stopTimeout + CommandTimeout;
        app.MapPost("/pause", (HttpRequest request) => Halting(request, job, holdTimeout, checkpoint => new JobCommands.Pause(checkpoint)));
        app.MapPost("/resume", () => Send(job, new JobCommands.Resume(), CommandTimeout));
        app.MapPost("/stop", (HttpRequest request) => Halting(request, job, holdTimeout, checkpoint => new JobCommands.Stop("stopped through the API", checkpoint)));
        await app.StartAsync().ConfigureAwait(false);
        string url = app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()?.Addresses.FirstOrDefault()
            ?? throw new InvalidOperationException("the HTTP API started without an address");
        return new JobApi(app, url);
    }

    public async ValueTask DisposeAsync()
    {
        await app.StopAsync().ConfigureAwait(false);
        await app.DisposeAsync().ConfigureAwait(false);
    }

    /// <summary>Pause or stop; the optional body <c>{"checkpoint": false}</c> skips the checkpoint of the current step.</summary>
    private static async Task<IResult> Halting(HttpRequest request, IActorRef job, TimeSpan timeout, Func<bool, object> command)
    {
        bool checkpoint = true;
        string text;
        using (var reader = new StreamReader(request.Body))
            text = await reader.ReadToEndAsync().ConfigureAwait(false);
        if (!string.IsNullOrWhiteSpace(text))
        {
            try
            {
                using JsonDocument body = JsonDocument.Parse(text);
                if (body.RootElement.ValueKind != JsonValueKind.Object) return BadRequest("the body must be a JSON object, e.g. {\"checkpoint\": false}");
                var unknown = body.RootElement.EnumerateObject().Select(p => p.Name).Where(n => n != "checkpoint").ToList();
                if (unknown.Count > 0) return BadRequest($"unknown key(s): {string.Join(", ", unknown)}");
                if (body.RootElement.TryGetProperty("checkpoint", out JsonElement value))
                {
                    if (value.ValueKind is not (JsonValueKind.True or JsonValueKind.False))
                        return BadRequest($"checkpoint must be true or false, not {value.GetRawText()}");
                    checkpoint = value.GetBoolean();
                }
            }
            catch (JsonException error)
            {
                return BadRequest($"the body is not JSON: {error.Message}");
            }
        }

        return await Send(job, command(checkpoint), timeout).ConfigureAwait(false);
    }

    private static IResult Asset(HttpResponse response, StatusPageAssets assets, string name)
    {
        if (!assets.TryGet(name, out var file)) return Results.NotFound();
        response.Headers.CacheControl = "no-cache";
        response.Headers.XContentTypeOptions = "nosniff";
        response.Headers.ContentSecurityPolicy = PagePolicy;
        return Results.Bytes(file.Content, file.ContentType);
    }

    private static IResult BadRequest(string reason) => Results.Json(new { error = reason }, statusCode: StatusCodes.Status400BadRequest);

    private static async Task<IResult> Send(IActorRef job, object command, TimeSpan timeout)
    {
        JobCommands.Reply reply = await job.Ask<JobCommands.Reply>(command, timeout).ConfigureAwait(false);
        return reply.Accepted
            ? Results.Json(new { message = reply.Message })
            : Results.Json(new { error = reply.Message }, statusCode: StatusCodes.Status409Conflict);
    }
}
