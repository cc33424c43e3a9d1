using System.Diagnostics;
using System.Runtime.InteropServices;
using System.Text.Json;
using Xunit.Abstractions;

namespace Cluster.Integration.Tests;

/// <summary>A GpuNode that dies (<c>kill -9</c>) or freezes (<c>SIGSTOP</c>) mid-epoch: the coordinator notices within a
/// bounded time, tears the group down, starts a replacement and the new group trains on from the last complete
/// checkpoint, with every batch of the epoch committed once.</summary>
[Collection(ClusterProcesses.Name)]
public class TrainerFailureTests(ITestOutputHelper output)
{
    // How long detection and recovery took is written to the test output, not asserted: tests do not time things.

    [DllImport("libc", SetLastError = true)]
    private static extern int kill(int pid, int signal);

    [Theory]
    [InlineData("SIGKILL", 9)]
    [InlineData("SIGSTOP", 19)]
    public async Task A_lost_trainer_is_detected_replaced_and_the_group_goes_on_from_the_last_checkpoint(string signalName, int signal)
    {
        using var job = new TinyJob(utterances: 400, checkpointEvery: 4, keepLast: 3);
        using Process train = job.StartTrain();
        using var http = new HttpClient();
        JsonElement before = await JobRun.WaitForStatusAsync(http, job, train, "a checkpoint and two more steps",
            s => CheckpointOf(s) > 0 && s.GetProperty("step").GetInt64() >= CheckpointOf(s) + 2);
        long generation = before.GetProperty("generation").GetInt64();
        int victim = JobRun.ProcessOf(before, "gpu-1");

        var clock = Stopwatch.StartNew();
        Assert.Equal(0, kill(victim, signal));
        await JobRun.WaitForStatusAsync(http, job, train, "the group torn down",
            s => s.GetProperty("generation").GetInt64() > generation || s.GetProperty("phase").GetString() != "training");
        TimeSpan detected = clock.Elapsed;
        JsonElement resumed = await JobRun.WaitForStatusAsync(http, job, train, "a new group training",
            s => s.GetProperty("generation").GetInt64() > generation && s.GetProperty("phase").GetString() == "training"
                && JobRun.Nodes(s, "gpu").Count() == 2 && s.GetProperty("step").GetInt64() > CheckpointOf(s));
        TimeSpan recovered = clock.Elapsed;
        output.WriteLine($"{signalName}: lost trainer noticed after {detected.TotalSeconds:F1} s, new group training after {recovered.TotalSeconds:F1} s");
        Assert.NotEqual(victim, JobRun.ProcessOf(resumed, "gpu-1"));

        JobRun.WaitForExit(train, job);
        Assert.True(train.ExitCode == 0, job.Transcript());
        string transcript = job.Transcript();
        Assert.Contains("gpu-1 was lost", transcript);
        Assert.Contains("starting a replacement for gpu-1", transcript);
        JsonElement status = job.FinalStatus();
        Assert.Equal("finished", status.GetProperty("phase").GetString());
        Assert.Equal(100, status.GetProperty("step").GetInt64());
        JobRun.AssertEveryBatchCommittedExactlyOnce(job, status);

        // The new group started right after a complete checkpoint (a multiple of every_steps), not from scratch.
        IReadOnlyList<RecordedCommit> commits = job.StandingCommits();
        RecordedCommit firstOfNewGroup = commits.Where(c => c.Generation > generation).MinBy(c => c.Step)!;
        Assert.True(firstOfNewGroup.Step > 1 && (firstOfNewGroup.Step - 1) % 4 == 0, $"the new group began at step {firstOfNewGroup.Step}");
        Assert.Contains($"resuming from step {firstOfNewGroup.Step - 1}", transcript);
    }

    private static long CheckpointOf(JsonElement status) =>
        status.TryGetProperty("checkpoint_step", out JsonElement c) && c.ValueKind == JsonValueKind.Number ? c.GetInt64() : 0;
}
