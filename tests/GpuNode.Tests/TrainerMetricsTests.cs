using Cluster.Shared.Observability;
using Cluster.Tests.Common;

namespace Cluster.GpuNode.Tests;

/// <summary>The trainer's series as Prometheus scrapes them: names, types, units and bounded labels.</summary>
public sealed class TrainerMetricsTests
{
    [Fact]
    public async Task Steps_evaluations_and_checkpoints_become_prometheus_series_labelled_by_model_node_and_rank()
    {
        using var metrics = new TrainerMetrics("whisper", "gpu-7", peakFlopsPerSecond: 1e12);
        await using var endpoint = await MetricsEndpoint.StartAsync(new MetricsEndpointOptions("cluster-trainer", [TrainerMetrics.MeterName]));
        metrics.Joined(groupGeneration: 3, groupRank: 1, groupWorldSize: 2);
        metrics.Trained(new StepOutcome(5, 2.5, 1e-3, 0.75, 8, false)
        {
            Phases = new(Forward: 0.1, Backward: 0.12, AllReduce: 0.03, Optimizer: 0.02),
            AudioSeconds = 40,
            PaddedSeconds = 240,
            LabelTokens = 120,
            Flops = 2e11,
        }, stepSeconds: 0.4, dataWaitSeconds: 0.1);
        metrics.Trained(new StepOutcome(6, double.NaN, 1e-3, double.NaN, 8, true) { LossScale = 32768, AudioSeconds = 35, PaddedSeconds = 240, Flops = 3e11 },
            stepSeconds: 0.6, dataWaitSeconds: 0.0);
        metrics.Evaluated(new Dictionary<string, double> { ["cer"] = 0.25, ["loss"] = 1.5 }, seconds: 2);
        metrics.Checkpointed(DateTimeOffset.FromUnixTimeSeconds(1_800_000_000), seconds: 0.5, bytes: 4096);
        metrics.CheckpointFailed();

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
        Assert.Equal(0.1, scraped.Value("cluster_train_phase_time_seconds_total", [.. step, ("phase", "forward")]), 9);
        Assert.Equal(0.12, scraped.Value("cluster_train_phase_time_seconds_total", [.. step, ("phase", "backward")]), 9);
        Assert.Equal(0.03, scraped.Value("cluster_train_phase_time_seconds_total", [.. step, ("phase", "allreduce")]), 9);
        Assert.Equal(0.02, scraped.Value("cluster_train_phase_time_seconds_total", [.. step, ("phase", "optimizer")]), 9);
        // What the phases leave of the steps: 0.03 s of the first, all 0.6 s of the second (it reported none).
        Assert.Equal(0.63, scraped.Value("cluster_train_phase_time_seconds_total", [.. step, ("phase", "other")]), 9);
        Assert.Equal(2, scraped.Value("cluster_train_phase_time_seconds_total", [.. step, ("phase", "eval")]), 9);
        Assert.Equal(0.5, scraped.Value("cluster_train_phase_time_seconds_total", [.. step, ("phase", "checkpoint")]), 9);
        Assert.Equal(75, scraped.Value("cluster_train_audio_seconds_total", step), 9);
        Assert.Equal(480, scraped.Value("cluster_train_audio_padded_seconds_total", step), 9);
        Assert.Equal(120, scraped.Value("cluster_train_label_tokens_total", step));
        Assert.Equal(32768, scraped.Value("cluster_train_loss_scale", step));
        Assert.Equal(5e11, scraped.Value("cluster_train_flops_total", step));
        Assert.Equal(5e11, scraped.Value("cluster_train_model_flops_per_second", step), 1); // 3e11 FLOPs in 0.6 s
        Assert.Equal(0.5, scraped.Value("cluster_train_mfu_ratio", step), 9);
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
        Assert.Equal(1, scraped.Value("cluster_checkpoint_duration_seconds_count", ("node", "gpu-7")));
        Assert.Equal(4096, scraped.Value("cluster_checkpoint_size_bytes", ("node", "gpu-7")));
        Assert.Equal(1, scraped.Value("cluster_checkpoint_failures_total", ("node", "gpu-7")));
        // The process's resident memory and CPU time come from the runtime's instrumentation.
        Assert.True(scraped.Value("dotnet_process_memory_working_set_bytes") > 0);
        Assert.True(scraped.Value("dotnet_process_cpu_time_seconds_total", ("cpu_mode", "user")) > 0);
    }
}
