using System.Net.Http.Json;
using System.Text.Json;
using Cluster.Coordinator.Runtime;
using Cluster.Shared.Jobs;

namespace Cluster.Coordinator.Cli;

/// <summary>Talks to a running job's HTTP API for <c>cluster status|scale|pause|resume|stop</c>.</summary>
/// <param name="timeout">How long a request may take: pause and stop wait for a checkpoint, which the job bounds itself.</param>
public sealed class ApiClient(string baseUrl, TimeSpan? timeout = null) : IDisposable
{
    private readonly HttpClient http = new() { BaseAddress = new Uri(baseUrl.TrimEnd('/') + "/"), Timeout = timeout ?? TimeSpan.FromSeconds(15) };

    /// <summary>The API of a job: <paramref name="api"/> when given, else the URL its run wrote, else CLUSTER_API.</summary>
    /// <exception cref="ArgumentException">None of them says where the job is; the message says what to pass.</exception>
    public static string Locate(string? api, string? jobPath)
    {
        if (!string.IsNullOrEmpty(api)) return Checked(api, "--api");
        if (!string.IsNullOrEmpty(jobPath))
        {
            JobSpec spec = JobSpecLoader.Load(jobPath);
            string file = Path.Combine(JobHost.RunDirectoryOf(jobPath, spec), JobHost.ApiUrlFile);
            if (!File.Exists(file)) throw new ArgumentException($"job '{spec.Name}' is not running: {file} does not exist");
            return Checked(File.ReadAllText(file).Trim(), file);
        }

        if (Environment.GetEnvironmentVariable("CLUSTER_API") is { Length: > 0 } fromEnvironment) return Checked(fromEnvironment, "CLUSTER_API");
        throw new ArgumentException("say which job: --api URL, --job JOB.yaml, or the CLUSTER_API environment variable");
    }

    public async Task<JobStatus> StatusAsync()
    {
        using HttpResponseMessage response = await http.GetAsync("status").ConfigureAwait(false);
        string body = await response.Content.ReadAsStringAsync().ConfigureAwait(false);
        if (!response.IsSuccessStatusCode) throw new HttpRequestException($"GET /status: {(int)response.StatusCode} {body}");
        return JsonSerializer.Deserialize<JobStatus>(body, JobStatus.Json) ?? throw new HttpRequestException("GET /status returned null");
    }

    /// <summary>POSTs a command; returns the API's message, or throws with its reason.</summary>
    public async Task<string> PostAsync(string path, object? body = null)
    {
        using HttpResponseMessage response = body is null
            ? await http.PostAsync(path, null).ConfigureAwait(false)
            : await http.PostAsJsonAsync(path, body).ConfigureAwait(false);
        string text = await response.Content.ReadAsStringAsync().ConfigureAwait(false);
        string message = Field(text, response.IsSuccessStatusCode ? "message" : "error") ?? text;
        return response.IsSuccessStatusCode ? message : throw new HttpRequestException($"POST /{path}: {(int)response.StatusCode} {message}");
    }

    public void Dispose() => http.Dispose();

    private static string? Field(string json, string name)
    {
        try
        {
            using JsonDocument document = JsonDocument.Parse(json);
            return document.RootElement.ValueKind == JsonValueKind.Object && document.RootElement.TryGetProperty(name, out JsonElement value) ? value.GetString() : null;
        }
        catch (JsonException)
        {
            return null;
        }
    }

    private static string Checked(string url, string source) =>
        Uri.TryCreate(url, UriKind.Absolute, out Uri? uri) && uri.Scheme is "http" or "https"
            ? url
            : throw new ArgumentException($"{source}: '{url}' is not an http URL");
}
