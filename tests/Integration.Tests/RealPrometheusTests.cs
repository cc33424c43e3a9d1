using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using System.Text.Json;

namespace Cluster.Integration.Tests;

/// <summary>
/// Debian's Prometheus (installed by the setup script) scrapes an embedded run with the run's own <c>prometheus.yml</c>
/// and <c>targets.json</c>, on 127.0.0.1 with a temporary data folder; the test asks it through its HTTP API,
/// and lints every node's exposition with <c>promtool check metrics</c>.
/// </summary>
[Collection(ClusterProcesses.Name)]
public sealed class RealPrometheusTests : IDisposable
{
    private readonly string scratch = Path.Combine(Path.GetTempPath(), "cluster-prom-" + Guid.NewGuid().ToString("N"));

    public RealPrometheusTests() => Directory.CreateDirectory(scratch);

    public void Dispose() => Directory.Delete(scratch, recursive: true);

    [Fact]
    public async Task Prometheus_scrapes_every_process_of_a_run_and_the_step_rate_is_positive()
    {
        using var job = new TinyJob(utterances: 400, checkpointEvery: 1000);
        using Process train = job.StartTrain();
        using var http = new HttpClient();
        await JobRun.WaitForStatusAsync(http, job, train, "step 1", s => s.GetProperty("step").GetInt64() >= 1);
        string targets = Path.Combine(job.RunDirectory, "prometheus", "targets.json");

        // As docs/cluster.md says: the run's own prometheus.yml (and through it the run's targets.json), with a
        // data folder and port of the test's.
        int port = FreePort();
        string config = Path.Combine(job.RunDirectory, "prometheus", "prometheus.yml");
        using var prometheus = Start("prometheus", $"--config.file={config}", $"--storage.tsdb.path={Path.Combine(scratch, "data")}",
            $"--web.listen-address=127.0.0.1:{port}", "--log.level=warn");
        string api = $"http://127.0.0.1:{port}/api/v1";
        try
        {
            var up = await UntilAsync(http, api, "every target up", async () =>
            {
                using var document = JsonDocument.Parse(await http.GetStringAsync($"{api}/targets"));
                var active = document.RootElement.GetProperty("data").GetProperty("activeTargets").EnumerateArray().ToList();
                return active.Count == 5 && active.All(t => t.GetProperty("health").GetString() == "up")
                    ? active.Select(t => t.GetProperty("labels").GetProperty("node").GetString()!).Order(StringComparer.Ordinal).ToList()
                    : null;
            });
            Assert.Equal(["coordinator", "data-1", "data-2", "gpu-0", "gpu-1"], up);

            var rates = await UntilAsync(http, api, "a positive step rate on both ranks", async () =>
            {
                var result = await QueryAsync(http, api, "sum by (node) (rate(cluster_train_steps_total[10s]))");
                return result.Count == 2 && result.Values.All(v => v > 0) ? result : null;
            });
            Assert.Equal(["gpu-0", "gpu-1"], rates.Keys.Order(StringComparer.Ordinal));
            var phase = await QueryAsync(http, api, "cluster_job_phase{phase=\"training\"}");
            Assert.Equal(1, Assert.Single(phase).Value);

            // Every series of the catalogue that a run without checkpoints or evaluations produces, on every node of its role.
            foreach (var (name, nodes) in Catalogue)
            {
                await UntilAsync(http, api, $"{name} from {nodes} node(s)", async () =>
                    (await QueryAsync(http, api, $"count by (node) ({name})")).Count == nodes ? "" : null);
            }

            foreach (string address in JsonDocument.Parse(File.ReadAllText(targets)).RootElement.EnumerateArray().Select(t => t.GetProperty("targets")[0].GetString()!))
            {
                string exposition = await http.GetStringAsync($"http://{address}/metrics");
                var (code, output) = Run("promtool", exposition, "check", "metrics");
                Assert.True(code == 0, $"promtool check metrics on {address}: {output}");
                int series = exposition.Split('\n').Count(line => line.Length > 0 && line[0] != '#');
                Assert.True(series < 2000, $"{address} exposes {series} series");
            }
        }
        finally
        {
            prometheus.Kill();
            prometheus.WaitForExit();
        }
        JobRun.WaitForExit(train, job);
        Assert.True(train.ExitCode == 0, job.Transcript());
    }

    private static readonly (string Name, int Nodes)[] Catalogue =
    [
        .. new[]
        {
            "cluster_train_steps_total", "cluster_train_examples_total", "cluster_train_step_duration_seconds_bucket",
            "cluster_train_phase_time_seconds_total{phase=\"data_wait\"}", "cluster_train_phase_time_seconds_total{phase=\"forward\"}",
            "cluster_train_phase_time_seconds_total{phase=\"backward\"}", "cluster_train_phase_time_seconds_total{phase=\"allreduce\"}",
            "cluster_train_phase_time_seconds_total{phase=\"optimizer\"}", "cluster_train_audio_seconds_total",
            "cluster_train_audio_padded_seconds_total", "cluster_train_label_tokens_total", "cluster_train_loss",
            "cluster_train_learning_rate", "cluster_train_gradient_norm", "cluster_train_loss_scale", "cluster_train_world_size",
            "cluster_train_generation", "cluster_train_flops_total", "cluster_train_model_flops_per_second", "cluster_train_mfu_ratio",
        }.Select(name => (name, 2)),
        .. new[]
        {
            "cluster_data_batches_total", "cluster_data_examples_total", "cluster_data_batch_build_duration_seconds_bucket",
            "cluster_data_sent_bytes_total", "cluster_data_audio_decoded_seconds_total", "cluster_data_batches_in_flight",
            "cluster_data_requests_in_flight", "cluster_data_worker_busy_ratio", "cluster_data_worker_busy_time_seconds_total",
            "cluster_data_node_workers", "cluster_data_shards",
        }.Select(name => (name, 2)),
        .. new[]
        {
            "cluster_job_info", "cluster_job_phase", "cluster_job_step", "cluster_job_epoch", "cluster_job_epoch_progress_ratio",
            "cluster_job_generation", "cluster_ledger_batches", "cluster_nodes", "cluster_data_workers_desired", "cluster_data_workers",
        }.Select(name => (name, 1)),
        ("dotnet_process_memory_working_set_bytes", 5),
        ("dotnet_process_cpu_time_seconds_total{cpu_mode=\"user\"}", 5),
        ("dotnet_gc_collections_total", 5),
    ];

    // Node label → value of an instant query.
    private static async Task<Dictionary<string, double>> QueryAsync(HttpClient http, string api, string query)
    {
        using var document = JsonDocument.Parse(await http.GetStringAsync($"{api}/query?query={Uri.EscapeDataString(query)}"));
        return document.RootElement.GetProperty("data").GetProperty("result").EnumerateArray().ToDictionary(
            r => r.GetProperty("metric").TryGetProperty("node", out var node) ? node.GetString()! : "",
            r => double.Parse(r.GetProperty("value")[1].GetString()!, System.Globalization.CultureInfo.InvariantCulture));
    }

    // Asks again until the answer is there (Prometheus needs a few scrapes) or the job's time limit passes.
    private static async Task<T> UntilAsync<T>(HttpClient http, string api, string what, Func<Task<T?>> ask) where T : class
    {
        var clock = Stopwatch.StartNew();
        Exception? last = null;
        while (clock.Elapsed < JobRun.Limit)
        {
            try
            {
                if (await ask() is { } answer) return answer;
            }
            catch (HttpRequestException error)
            {
                last = error; // not listening yet
            }
            await Task.Delay(250);
        }
        throw new TimeoutException($"Prometheus at {api}: never {what} ({last?.Message})");
    }

    private static Process Start(string program, params string[] arguments)
    {
        var start = new ProcessStartInfo(program) { RedirectStandardError = true, RedirectStandardOutput = true, UseShellExecute = false };
        foreach (string argument in arguments) start.ArgumentList.Add(argument);
        try
        {
            var process = Process.Start(start)!;
            process.ErrorDataReceived += (_, _) => { };
            process.BeginErrorReadLine();
            process.BeginOutputReadLine();
            return process;
        }
        catch (System.ComponentModel.Win32Exception error)
        {
            throw new InvalidOperationException($"{program} is not installed; scripts/setup.sh installs it (Debian's prometheus): {error.Message}", error);
        }
    }

    private static (int Code, string Output) Run(string program, string input, params string[] arguments)
    {
        var start = new ProcessStartInfo(program) { RedirectStandardInput = true, RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        foreach (string argument in arguments) start.ArgumentList.Add(argument);
        using var process = Process.Start(start)!;
        var output = process.StandardOutput.ReadToEndAsync();
        var error = process.StandardError.ReadToEndAsync();
        process.StandardInput.Write(input);
        process.StandardInput.Close();
        process.WaitForExit();
        return (process.ExitCode, output.Result + error.Result);
    }

    private static int FreePort()
    {
        using var probe = new TcpListener(IPAddress.Loopback, 0);
        probe.Start();
        return ((IPEndPoint)probe.LocalEndpoint).Port;
    }
}
