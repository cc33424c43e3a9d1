using System.Diagnostics;
using System.Text.Json;
using Cluster.Tests.Common;

namespace Cluster.Integration.Tests;

/// <summary>
/// During an embedded run every process serves <c>/metrics</c> at the address the run's
/// <c>prometheus/targets.json</c> lists, with its role's series, as a user's Prometheus would scrape them.
/// </summary>
[Collection(ClusterProcesses.Name)]
public sealed class MetricsTargetsTests
{
    [Fact]
    public async Task Every_process_of_a_run_serves_its_role_series_at_the_address_targets_json_lists()
    {
        using var job = new TinyJob(utterances: 120, checkpointEvery: 100);
        using Process train = job.StartTrain();
        using var http = new HttpClient();
        await JobRun.WaitForStatusAsync(http, job, train, "step 3", s => s.GetProperty("step").GetInt64() >= 3);

        string directory = Path.Combine(job.RunDirectory, "prometheus");
        Assert.Contains("file_sd_configs", File.ReadAllText(Path.Combine(directory, "prometheus.yml")));
        using var targets = JsonDocument.Parse(File.ReadAllText(Path.Combine(directory, "targets.json")));
        var byNode = targets.RootElement.EnumerateArray().ToDictionary(
            t => t.GetProperty("labels").GetProperty("node").GetString()!,
            t => (Role: t.GetProperty("labels").GetProperty("role").GetString()!, Address: t.GetProperty("targets")[0].GetString()!));
        Assert.Equal(["coordinator", "data-1", "data-2", "gpu-0", "gpu-1"], byNode.Keys.Order(StringComparer.Ordinal));

        foreach (var (node, (role, address)) in byNode)
        {
            string text = await http.GetStringAsync($"http://{address}/metrics");
            var scraped = new PrometheusSamples(text);
            Assert.True(scraped.Count < 2000, $"{node} exposes {scraped.Count} series");
            switch (role)
            {
                case "coordinator":
                    Assert.Equal(1, scraped.Value("cluster_job_phase", ("phase", "training")));
                    Assert.True(scraped.Value("cluster_ledger_batches", ("state", "committed")) > 0);
                    Assert.Equal(1, scraped.Value("cluster_job_info", ("job", "tiny"), ("model", "whisper")));
                    Assert.Equal(2, scraped.Value("cluster_data_workers"));
                    Assert.InRange(scraped.Value("cluster_data_workers_desired"), 1, 64);
                    break;
                case "data":
                    Assert.True(scraped.Sum("cluster_data_batches_total") > 0, $"{node} built no batch");
                    break;
                default:
                    Assert.Equal("trainer", role);
                    Assert.True(scraped.Sum("cluster_train_steps_total") >= 3, $"{node} trained fewer than 3 steps");
                    Assert.True(scraped.Has("cluster_train_step_duration_seconds_bucket"), $"{node} has no step time histogram");
                    break;
            }
        }

        JobRun.WaitForExit(train, job);
        Assert.True(train.ExitCode == 0, job.Transcript());
    }
}
