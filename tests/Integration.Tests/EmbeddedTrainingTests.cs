using System.Diagnostics;
using System.Text.Json;
using Cluster.Shared.Checkpoints;

namespace Cluster.Integration.Tests;

/// <summary><c>cluster train</c> with DataNodes and GpuNodes as real processes on 127.0.0.1.</summary>
[Collection(ClusterProcesses.Name)]
public class EmbeddedTrainingTests
{
    [Fact]
    public void Train_runs_an_epoch_on_two_data_nodes_and_two_trainers_with_checkpoints_and_every_batch_committed_once()
    {
        using var job = new TinyJob(utterances: 24, checkpointEvery: 2);
        JsonElement status = JobRun.RunToEnd(job);
        Assert.False(status.GetProperty("failed").GetBoolean());
        Assert.Equal(6, status.GetProperty("step").GetInt64());
        JobRun.AssertEveryBatchCommittedExactlyOnce(job, status);
        CheckpointSelection latest = new CheckpointStore(job.CheckpointDirectory).LatestValid();
        Assert.NotNull(latest.Chosen);
        Assert.Equal(6, latest.Chosen.Checkpoint.Step);
        Assert.Equal(12, TrainerState.Load(Path.Combine(latest.Chosen.Checkpoint.Path, CheckpointLayout.TrainerStateFile)).Ledger.CommittedCount);
        // cluster.data_node_workers reached the data nodes the coordinator started.
        Assert.Contains("with 1 worker(s)", File.ReadAllText(Path.Combine(job.RunDirectory, "logs", "data-1.log")));
    }

    [Fact]
    public async Task A_data_node_killed_mid_epoch_hands_its_shards_over_and_every_batch_is_still_committed_once()
    {
        using var job = new TinyJob(utterances: 120, checkpointEvery: 100);
        using Process train = job.StartTrain();
        using var http = new HttpClient();
        JsonElement running = await JobRun.WaitForStatusAsync(http, job, train, "step 3 with data-2",
            s => s.GetProperty("step").GetInt64() >= 3 && JobRun.Nodes(s, "data").Any(n => n.GetProperty("name").GetString() == "data-2"));
        Process.GetProcessById(JobRun.ProcessOf(running, "data-2")).Kill();

        // The loss is noticed while the epoch is still running, and data-1 then owns every shard.
        JsonElement afterLoss = await JobRun.WaitForStatusAsync(http, job, train, "data-2 gone",
            s => JobRun.Nodes(s, "data").All(n => n.GetProperty("name").GetString() != "data-2"));
        Assert.Equal("training", afterLoss.GetProperty("phase").GetString());
        JsonElement data = Assert.Single(JobRun.Nodes(afterLoss, "data"));
        Assert.Equal("data-1", data.GetProperty("name").GetString());
        Assert.Equal(8, data.GetProperty("shards").GetInt32());
        Assert.InRange(afterLoss.GetProperty("step").GetInt64(), 3, 29);

        JobRun.WaitForExit(train, job);
        Assert.True(train.ExitCode == 0, job.Transcript());
        Assert.Contains("data-2 was lost", job.Transcript());
        JsonElement status = job.FinalStatus();
        Assert.Equal(30, status.GetProperty("step").GetInt64());
        JobRun.AssertEveryBatchCommittedExactlyOnce(job, status);
    }

    [Fact]
    public async Task Data_nodes_scaled_from_one_to_three_and_back_move_shards_and_every_batch_is_committed_once()
    {
        using var job = new TinyJob(utterances: 400, checkpointEvery: 1000, dataNodes: 1);
        using Process train = job.StartTrain();
        using var http = new HttpClient();
        await JobRun.WaitForStatusAsync(http, job, train, "step 2 on one data node", s => s.GetProperty("step").GetInt64() >= 2);

        Assert.Equal(0, await Cli("scale", "--job", job.JobPath, "--data-nodes", "3"));
        JsonElement three = await JobRun.WaitForStatusAsync(http, job, train, "three data nodes",
            s => JobRun.Nodes(s, "data").Count() == 3);
        // The newcomers took a share of the shards of the epoch while it runs.
        Assert.Equal("training", three.GetProperty("phase").GetString());
        Assert.All(JobRun.Nodes(three, "data"), n => Assert.True(n.GetProperty("shards").GetInt32() > 0, n.ToString()));
        long stepAtThree = three.GetProperty("step").GetInt64();
        await JobRun.WaitForStatusAsync(http, job, train, "steps trained on three data nodes", s => s.GetProperty("step").GetInt64() >= stepAtThree + 3);

        Assert.Equal(0, await Cli("scale", "--job", job.JobPath, "--data-nodes", "1"));
        JsonElement one = await JobRun.WaitForStatusAsync(http, job, train, "one data node again", s => JobRun.Nodes(s, "data").Count() == 1);
        Assert.True(one.GetProperty("step").GetInt64() < 100, "the epoch ended before the scale-down: nothing was tested");
        Assert.Equal(8, Assert.Single(JobRun.Nodes(one, "data")).GetProperty("shards").GetInt32());

        JobRun.WaitForExit(train, job);
        Assert.True(train.ExitCode == 0, job.Transcript());
        JsonElement status = job.FinalStatus();
        Assert.Equal(100, status.GetProperty("step").GetInt64());
        JobRun.AssertEveryBatchCommittedExactlyOnce(job, status);
    }

    /// <summary>Runs the <c>cluster</c> command line in this process, as a user would from a shell.</summary>
    private static Task<int> Cli(params string[] args) =>
        Task.Run(() => Cluster.Coordinator.CommandLineApp.Run(args, TextWriter.Null, TextWriter.Null));
}
