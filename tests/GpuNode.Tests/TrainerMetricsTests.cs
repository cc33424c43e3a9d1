using Cluster.Shared.Observability;
using Cluster.Tests.Common;

namespace Cluster.GpuNode.Tests;

/// <summary>The trainer's series as Prometheus scrapes them: names, types, units and bounded labels.</summary>
public sealed class TrainerMetricsTests
{
    [Fact]
    public async Task Steps_evaluations_and_checkpoints_become_prometheus_series_labelled_by_model_node_and_rank()
    {
        using var metrics = new TrainerMetrics("whisper", "gpu-7");
        await using var endpoint = await MetricsEndpoint.StartAsync(new MetricsEndpointOptions("cluster-trainer", [TrainerMetrics.MeterName]));
        metrics.Joined(groupGeneration: 3, groupRank: 1, groupWorldSize: 2);
        metrics.Trained(new StepOutcome(5, 2.5, 1e-3, 0.75, 8, false), stepSeconds: 0.4, dataWaitSeconds: 0.1);
        metrics.Trained(new StepOutcome(6, double.NaN, 1e-3, double.NaN, 8, true), stepSeconds: 0.6, dataWaitSeconds: 0.0);
        metrics.Evaluated(new Dictionary<string, double> { ["cer"] = 0.25, ["loss"] = 1.5 });
        metrics.Checkpointed(DateTimeOffset.FromUnixTimeSeconds(1_800_000_000));

        using var http = new HttpClient();
        var scraped = new PrometheusSamples(await http.GetStringAsync(endpoint.Url));
        (string, string)[] step = [("model", "whisper"), ("node", "gpu-7"), ("rank", "1")];
        Assert.Equal("counter", scraped.Types["cluster_train_steps_total"]);
        Assert.Equal("histogram", scraped.Types["cluster_train_step_duration_seconds"]);
        Assert.Equal(2, scraped.Value("cluster_train_steps_total", step));
        Assert.Equal(16, scraped.Value("cluster_train_examples_total", step));
        Assert.Equal(2, scraped.Value("cluster_train_step_duration_seconds_count", step));
        Assert.Equal(1.0, scraped.Value("cluster_train_step_duration_seconds_sum", step), 9);
        Assert.Equal(0.1, scraped.Value("cluster_train_phase_time_seconds_total", [.. step, ("phase", "data_wait")]), 9);
        Assert.Equal(0.9, scraped.Value("cluster_train_phase_time_seconds_total", [.. step, ("phase", "train")]), 9);
        Assert.Equal(2.5, scraped.Value("cluster_train_loss", step)); // the NaN step did not overwrite it...
        Assert.Equal(1, scraped.Value("cluster_train_nonfinite_losses_total", step)); // ...it was counted
        Assert.Equal(1, scraped.Value("cluster_train_optimizer_skipped_total", step));
        Assert.Equal(0.75, scraped.Value("cluster_train_gradient_norm", step));
        Assert.Equal(1e-3, scraped.Value("cluster_train_learning_rate", step));
        Assert.Equal(2, scraped.Value("cluster_train_world_size", ("node", "gpu-7")));
        Assert.Equal(3, scraped.Value("cluster_train_generation", ("node", "gpu-7")));
        Assert.Equal(0.25, scraped.Value("cluster_eval_score", ("metric", "cer")));
        Assert.Equal(1.5, scraped.Value("cluster_eval_score", ("metric", "loss")));
        Assert.Equal(1, scraped.Value("cluster_checkpoint_saves_total", ("node", "gpu-7")));
        Assert.Equal(1_800_000_000, scraped.Value("cluster_checkpoint_last_success_seconds", ("node", "gpu-7")));
    }
}
