using System.Text.Json;
using Cluster.Shared.Checkpoints;

namespace Cluster.Integration.Tests;

/// <summary>A job stopped and started again (<c>cluster train</c> twice) resumes from its newest intact checkpoint and
/// its ledger: the same losses and weights as a run that was never stopped, and no batch skipped or trained twice.</summary>
[Collection(ClusterProcesses.Name)]
public class ResumeTests
{
    // 32 utterances, batch 2, 2 ranks: one epoch is 8 steps.
    private const int Utterances = 32;
    private const int EpochSteps = 8;

    [Fact]
    public void K_steps_then_a_restart_train_like_N_steps_straight_loss_for_loss_and_weight_for_weight()
    {
        using var straight = new TinyJob(Utterances, checkpointEvery: 2, keepLast: 10);
        JobRun.RunToEnd(straight);

        using var resumed = new TinyJob(Utterances, checkpointEvery: 2, maxSteps: 3, keepLast: 10);
        Assert.Equal(3, JobRun.RunToEnd(resumed).GetProperty("step").GetInt64());
        resumed.WriteSpec(maxSteps: null);
        JsonElement status = JobRun.RunToEnd(resumed);
        // Step 3 was not a checkpoint: the second run goes on from step 2 and trains step 3 again.
        Assert.Contains("resuming from the checkpoint of step 2", resumed.Transcript());
        Assert.Equal(EpochSteps, status.GetProperty("step").GetInt64());
        JobRun.AssertEveryBatchCommittedExactlyOnce(resumed, status);

        var expected = straight.StandingCommits();
        var actual = resumed.StandingCommits();
        Assert.Equal(expected.Select(c => (c.Step, c.Rank, string.Join(",", c.BatchIds))), actual.Select(c => (c.Step, c.Rank, string.Join(",", c.BatchIds))));
        Assert.Equal(2 * EpochSteps, actual.Count);
        for (int i = 0; i < expected.Count; i++)
            Assert.True(Math.Abs(expected[i].Loss - actual[i].Loss) <= 1e-6 * Math.Abs(expected[i].Loss), $"step {expected[i].Step} rank {expected[i].Rank}: loss {actual[i].Loss} resumed, {expected[i].Loss} straight");
        Weights.AssertSame(FinalModel(straight), FinalModel(resumed), tolerance: 1e-6);
    }

    [Theory]
    [InlineData("truncated")]
    [InlineData("bit-flipped")]
    public void A_damaged_latest_checkpoint_is_passed_over_and_the_previous_one_resumes(string damage)
    {
        using var job = new TinyJob(Utterances, checkpointEvery: 2, maxSteps: 4, keepLast: 3);
        JobRun.RunToEnd(job);
        CheckpointInfo latest = new CheckpointStore(job.CheckpointDirectory).List().MaxBy(c => c.Step)!;
        Assert.Equal(4, latest.Step);
        if (damage == "truncated")
        {
            string optimizer = Path.Combine(latest.Path, CheckpointLayout.OptimizerFile);
            using var stream = new FileStream(optimizer, FileMode.Open);
            stream.SetLength(stream.Length / 2);
        }
        else
        {
            string model = Path.Combine(latest.Path, CheckpointLayout.ModelFile);
            byte[] bytes = File.ReadAllBytes(model);
            bytes[bytes.Length * 3 / 4] ^= 0x10;
            File.WriteAllBytes(model, bytes);
        }

        job.WriteSpec(maxSteps: null);
        JsonElement status = JobRun.RunToEnd(job);
        string transcript = job.Transcript();
        Assert.Contains($"skipping checkpoint {latest.Path}", transcript);
        Assert.Contains("resuming from the checkpoint of step 2", transcript);
        Assert.Equal(EpochSteps, status.GetProperty("step").GetInt64());
        JobRun.AssertEveryBatchCommittedExactlyOnce(job, status);
        // Steps 3 and 4 were trained again from the intact checkpoint, and the damaged one was replaced by a good one.
        Assert.Null(new CheckpointStore(job.CheckpointDirectory).Verify(latest).Problem);
    }

    private static Dictionary<string, float[]> FinalModel(TinyJob job)
    {
        CheckpointSelection selection = new CheckpointStore(job.CheckpointDirectory).LatestValid();
        Assert.Equal(EpochSteps, selection.Chosen!.Checkpoint.Step);
        return Weights.OfCheckpoint(selection.Chosen.Checkpoint.Path);
    }
}
