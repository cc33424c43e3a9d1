using System.Diagnostics;
using System.Text.Json;
using Cluster.Shared.Checkpoints;

namespace Cluster.Integration.Tests;

/// <summary><c>cluster train</c> with 2 DataNodes and 2 GpuNodes as real processes on 127.0.0.1.</summary>
public class EmbeddedTrainingTests
{
    private static readonly TimeSpan Limit = TimeSpan.FromMinutes(6);

    private static void WaitForExit(Process process, TinyJob job)
    {
        if (!process.WaitForExit(Limit))
        {
            process.Kill(entireProcessTree: true);
            Assert.Fail($"cluster train did not finish within {Limit}:\n{job.Transcript()}");
        }

        process.WaitForExit();
    }

    private static void AssertEveryBatchCommittedExactlyOnce(TinyJob job, JsonElement status)
    {
        IReadOnlyList<string> committed = job.CommittedBatchIds();
        int planned = status.GetProperty("ledger_batches").GetInt32();
        Assert.True(planned > 0);
        Assert.Equal(planned, status.GetProperty("ledger_committed").GetInt32());
        Assert.Equal(planned, committed.Count);
        Assert.Equal(planned, committed.Distinct(StringComparer.Ordinal).Count());
        Assert.Equal(0, status.GetProperty("duplicate_commits").GetInt64());
    }

    [Fact]
    public void Train_runs_an_epoch_on_two_data_nodes_and_two_trainers_with_checkpoints_and_every_batch_committed_once()
    {
        using var job = new TinyJob(utterances: 24, checkpointEvery: 2);
        using Process train = job.StartTrain();
        WaitForExit(train, job);
        Assert.True(train.ExitCode == 0, job.Transcript());

        JsonElement status = job.FinalStatus();
        Assert.Equal("finished", status.GetProperty("phase").GetString());
        Assert.False(status.GetProperty("failed").GetBoolean());
        Assert.Equal(6, status.GetProperty("step").GetInt64());
        AssertEveryBatchCommittedExactlyOnce(job, status);
        CheckpointSelection latest = new CheckpointStore(job.CheckpointDirectory).LatestValid();
        Assert.NotNull(latest.Chosen);
        Assert.Equal(6, latest.Chosen.Checkpoint.Step);
        Assert.Equal(12, TrainerState.Load(Path.Combine(latest.Chosen.Checkpoint.Path, CheckpointLayout.TrainerStateFile)).Ledger.CommittedCount);
    }

    [Fact]
    public async Task A_data_node_killed_mid_epoch_hands_its_shards_over_and_every_batch_is_still_committed_once()
    {
        using var job = new TinyJob(utterances: 120, checkpointEvery: 100);
        using Process train = job.StartTrain();
        string statusUrl = WaitForApi(job) + "/status";
        using var http = new HttpClient();
        int? victim = null;
        var clock = Stopwatch.StartNew();
        while (victim is null && clock.Elapsed < Limit && !train.HasExited)
        {
            await Task.Delay(300);
            using var document = JsonDocument.Parse(await http.GetStringAsync(statusUrl));
            if (document.RootElement.GetProperty("step").GetInt64() < 3) continue;
            victim = document.RootElement.GetProperty("nodes").EnumerateArray()
                .Where(n => n.GetProperty("name").GetString() == "data-2").Select(n => n.GetProperty("process_id").GetInt32()).FirstOrDefault();
        }

        Assert.True(victim is > 0, "training never reached step 3 with data-2:\n" + job.Transcript());
        Process.GetProcessById(victim.Value).Kill();

        // The loss is noticed while the epoch is still running, and data-1 then owns every shard.
        long stepAtLoss = -1;
        while (stepAtLoss < 0 && clock.Elapsed < Limit && !train.HasExited)
        {
            await Task.Delay(200);
            using var document = JsonDocument.Parse(await http.GetStringAsync(statusUrl));
            var nodes = document.RootElement.GetProperty("nodes").EnumerateArray().ToList();
            if (nodes.Any(n => n.GetProperty("name").GetString() == "data-2")) continue;
            Assert.Equal("training", document.RootElement.GetProperty("phase").GetString());
            var data = nodes.Where(n => n.GetProperty("role").GetString() == "data").ToList();
            Assert.Equal("data-1", Assert.Single(data).GetProperty("name").GetString());
            Assert.Equal(8, data[0].GetProperty("shards").GetInt32());
            stepAtLoss = document.RootElement.GetProperty("step").GetInt64();
        }

        Assert.InRange(stepAtLoss, 3, 29);
        WaitForExit(train, job);
        Assert.True(train.ExitCode == 0, job.Transcript());
        Assert.Contains("data-2 was lost", job.Transcript());

        JsonElement status = job.FinalStatus();
        Assert.Equal(30, status.GetProperty("step").GetInt64());
        AssertEveryBatchCommittedExactlyOnce(job, status);
    }

    private static string WaitForApi(TinyJob job)
    {
        string file = Path.Combine(job.RunDirectory, "api.url");
        var clock = Stopwatch.StartNew();
        while (clock.Elapsed < TimeSpan.FromMinutes(2))
        {
            if (File.Exists(file)) return File.ReadAllText(file).Trim();
            Thread.Sleep(200);
        }

        throw new TimeoutException("cluster train wrote no api.url:\n" + job.Transcript());
    }
}
