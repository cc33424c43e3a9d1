using System.Diagnostics;
using System.Runtime.InteropServices;
using System.Text.Json;
using System.Text.RegularExpressions;
using Cluster.Shared.Checkpoints;

namespace Cluster.Integration.Tests;

/// <summary>The run every interrupted one is compared with: the tiny job trained straight through one epoch.</summary>
public sealed class StraightRun : IDisposable
{
    public StraightRun()
    {
        Job = new TinyJob(PauseStopTests.Utterances, checkpointEvery: PauseStopTests.EpochSteps);
        JobRun.RunToEnd(Job);
    }

    internal TinyJob Job { get; }

    public void Dispose() => Job.Dispose();
}

/// <summary>
/// <c>cluster pause</c>, <c>cluster stop</c> and SIGTERM to <c>cluster train</c> first checkpoint the step the trainers
/// are at, so that nothing trained is lost: the job goes on from exactly there and trains loss for loss and weight for
/// weight like a run that was never interrupted, every batch committed once. A trainer lost while the pause waits makes
/// it fall back to the last complete checkpoint, and the command says which.
/// </summary>
[Collection(ClusterProcesses.Name)]
public class PauseStopTests(StraightRun straight) : IClassFixture<StraightRun>
{
    // 64 utterances, batch 2, 2 ranks: one epoch is 16 steps, and the only periodic checkpoint is the last step's.
    internal const int Utterances = 64;
    internal const int EpochSteps = 16;

    [DllImport("libc", SetLastError = true)]
    private static extern int kill(int pid, int signal);

    [Fact]
    public async Task Pause_at_a_step_between_checkpoints_then_resume_trains_like_a_run_never_paused()
    {
        using var job = new TinyJob(Utterances, checkpointEvery: EpochSteps);
        using Process train = job.StartTrain();
        await WhileTraining(job, train);

        string paused = Succeeds(job, "pause", "--job", job.JobPath);
        long step = HeldStep(paused, "paused");
        string status = Succeeds(job, "status", "--job", job.JobPath);
        Assert.Contains($"[paused] step {step}/", status);
        Assert.Contains($"checkpoint step {step} ", status);

        string resumed = Succeeds(job, "resume", "--job", job.JobPath);
        AssertTrainedLikeStraight(job, Finish(job, train), resumedAt: step, retrained: 0);
        Assert.Contains($"resuming from step {step}", job.Transcript());
    }

    [Fact]
    public async Task Stop_then_train_again_continues_from_the_step_it_stopped_at()
    {
        using var job = new TinyJob(Utterances, checkpointEvery: EpochSteps);
        using Process train = job.StartTrain();
        await WhileTraining(job, train);

        string stopped = Succeeds(job, "stop", "--job", job.JobPath);
        long step = HeldStep(stopped, "stopped");
        Assert.Equal(step, Finish(job, train).GetProperty("step").GetInt64());

        AssertTrainedLikeStraight(job, JobRun.RunToEnd(job), resumedAt: step, retrained: 0);
        Assert.Contains($"resuming from the checkpoint of step {step}", job.Transcript());
    }

    [Fact]
    public async Task SIGTERM_to_cluster_train_checkpoints_the_current_step_and_train_again_continues_from_it()
    {
        using var job = new TinyJob(Utterances, checkpointEvery: EpochSteps);
        using Process train = job.StartTrain();
        await WhileTraining(job, train);

        Assert.Equal(0, kill(train.Id, 15));
        JsonElement stoppedStatus = Finish(job, train);
        string transcript = job.Transcript();
        Assert.Contains("SIGTERM: stopping after a checkpoint of the current step", transcript);
        long step = HeldStep(transcript, "stopped");
        Assert.Equal(step, stoppedStatus.GetProperty("step").GetInt64());
        Assert.Equal(step, stoppedStatus.GetProperty("checkpoint_step").GetInt64());

        AssertTrainedLikeStraight(job, JobRun.RunToEnd(job), resumedAt: step, retrained: 0);
    }

    [Fact]
    public async Task Stop_without_a_checkpoint_throws_the_steps_since_the_last_one_away_and_says_where_it_goes_on_from()
    {
        using var job = new TinyJob(Utterances, checkpointEvery: 4, keepLast: 10);
        using Process train = job.StartTrain();
        using var http = new HttpClient();
        await JobRun.WaitForStatusAsync(http, job, train, "a checkpoint and a step after it",
            s => CheckpointOf(s) > 0 && s.GetProperty("step").GetInt64() > CheckpointOf(s) && s.GetProperty("step").GetInt64() < EpochSteps - 4);

        string stopped = Succeeds(job, "stop", "--job", job.JobPath, "--no-checkpoint");
        // A periodic checkpoint may have reached the step already by the time the command arrives: then it says so.
        Match said = Regex.Match(stopped, @"stopped at step (\d+) (without a checkpoint of step \1, as asked|\(checkpoint-\1 already held it\)); `cluster train` again continues from checkpoint-(\d+) \(step \3\)");
        Assert.True(said.Success, stopped);
        long checkpoint = long.Parse(said.Groups[3].Value);
        Assert.True(checkpoint % 4 == 0 && checkpoint <= long.Parse(said.Groups[1].Value), stopped);
        Finish(job, train);
        // Only periodic checkpoints exist: the stopped step was not checkpointed. (The step in flight when the command
        // came may still finish and write its periodic one before its trainer exits.)
        long stoppedAt = long.Parse(said.Groups[1].Value);
        IReadOnlyList<CheckpointInfo> written = new CheckpointStore(job.CheckpointDirectory).List();
        Assert.Contains(written, c => c.Step == checkpoint);
        Assert.All(written, c => Assert.True(c.Step % 4 == 0 && c.Step <= stoppedAt + 1, $"checkpoint of step {c.Step} after a stop at step {stoppedAt}"));
    }

    [Fact]
    public async Task A_trainer_lost_while_the_pause_waits_falls_back_to_the_last_complete_checkpoint_and_loses_nothing_it_held()
    {
        using var job = new TinyJob(Utterances, checkpointEvery: 4, keepLast: 10, stopTimeout: 5);
        using Process train = job.StartTrain();
        using var http = new HttpClient();
        JsonElement before = await JobRun.WaitForStatusAsync(http, job, train, "a checkpoint and a step after it",
            s => CheckpointOf(s) > 0 && s.GetProperty("step").GetInt64() > CheckpointOf(s) && s.GetProperty("step").GetInt64() < EpochSteps - 4);
        int frozen = JobRun.ProcessOf(before, "gpu-1");

        // gpu-1 stops answering: it never reports the step it is held at, so the pause cannot checkpoint the current step.
        Assert.Equal(0, kill(frozen, 19));
        string paused;
        try
        {
            paused = Succeeds(job, "pause", "--job", job.JobPath);
        }
        finally
        {
            // Gone for good (the coordinator may have killed it already, as it does with a trainer it gave up on).
            kill(frozen, 9);
        }

        Match said = Regex.Match(paused, @"paused at step (\d+): the (trainers could not be held at a step|checkpoint of step \d+ was not written) \(([^)]*)\); resume continues from checkpoint-(\d+) \(step \4\)");
        Assert.True(said.Success, paused);
        Assert.Matches("not written within 5 s|gpu-1 was lost", said.Groups[3].Value);
        long fallback = long.Parse(said.Groups[4].Value);
        Assert.True(fallback > 0 && fallback % 4 == 0, paused);
        JsonElement status = await JobRun.StatusAsync(http, job.ApiUrl());
        Assert.Equal("paused", status.GetProperty("phase").GetString());
        Assert.Equal(fallback, status.GetProperty("step").GetInt64());
        Assert.Equal(fallback, CheckpointOf(status));

        string resumed = Succeeds(job, "resume", "--job", job.JobPath);
        AssertTrainedLikeStraight(job, Finish(job, train), resumedAt: fallback, retrained: null);
        Assert.Contains($"resuming from step {fallback}", job.Transcript());
    }

    /// <summary>Runs <c>cluster ARGS</c> in the job's folder as a user would; it must succeed.</summary>
    private static string Succeeds(TinyJob job, params string[] arguments)
    {
        (int code, string output) = ClusterCli.Run(job.Directory, arguments);
        Assert.True(code == 0, output);
        return output;
    }

    /// <summary>Waits until the job is a few steps in and well before its end, so the step it is held at is not a
    /// checkpoint step (the only periodic one is the last).</summary>
    private static async Task WhileTraining(TinyJob job, Process train)
    {
        using var http = new HttpClient();
        await JobRun.WaitForStatusAsync(http, job, train, "step 3", s => s.GetProperty("step").GetInt64() >= 3);
    }

    /// <summary>The step the command says the trainers were held at and checkpointed.</summary>
    private static long HeldStep(string output, string verb)
    {
        Match said = Regex.Match(output, $@"{verb} at step (\d+) \(checkpoint-\1 written\)");
        Assert.True(said.Success, output);
        long step = long.Parse(said.Groups[1].Value);
        Assert.InRange(step, 3, EpochSteps - 1);
        return step;
    }

    private static JsonElement Finish(TinyJob job, Process train)
    {
        JobRun.WaitForExit(train, job);
        Assert.True(train.ExitCode == 0, job.Transcript());
        JsonElement status = job.FinalStatus();
        Assert.Equal("finished", status.GetProperty("phase").GetString());
        return status;
    }

    /// <summary>The interrupted run ended the epoch like the straight one: the same batches at the same steps, the same
    /// losses, the same final weights, and every batch committed once. No step up to <paramref name="resumedAt"/> (what
    /// the checkpoint held) was trained twice, and <paramref name="retrained"/> steps after it (null: any number).</summary>
    private void AssertTrainedLikeStraight(TinyJob job, JsonElement status, long resumedAt, int? retrained)
    {
        Assert.Equal(EpochSteps, status.GetProperty("step").GetInt64());
        JobRun.AssertEveryBatchCommittedExactlyOnce(job, status);
        var expected = straight.Job.StandingCommits();
        var actual = job.StandingCommits();
        Assert.Equal(expected.Select(c => (c.Step, c.Rank, string.Join(",", c.BatchIds))), actual.Select(c => (c.Step, c.Rank, string.Join(",", c.BatchIds))));
        for (int i = 0; i < expected.Count; i++)
            Assert.True(Math.Abs(expected[i].Loss - actual[i].Loss) <= 1e-6 * Math.Abs(expected[i].Loss), $"step {expected[i].Step} rank {expected[i].Rank}: loss {actual[i].Loss} interrupted, {expected[i].Loss} straight");
        var trainedTimes = TrainedSteps(job).GroupBy(c => c.Step).ToDictionary(g => g.Key, g => g.Count());
        Assert.All(Enumerable.Range(1, (int)resumedAt), s => Assert.True(trainedTimes[s] == 2, $"step {s} (held by the checkpoint) was trained {trainedTimes[s] / 2.0} times"));
        if (retrained is int again) Assert.Equal(2 * (EpochSteps + again), trainedTimes.Values.Sum());
        Weights.AssertSame(FinalModel(straight.Job), FinalModel(job), tolerance: 1e-6);
    }

    /// <summary>Every (step, rank) a group trained and committed, in the order commits.jsonl holds them, voided or not.</summary>
    private static List<(long Step, int Rank)> TrainedSteps(TinyJob job) =>
        [.. File.ReadAllLines(Path.Combine(job.RunDirectory, "commits.jsonl")).Select(line =>
            {
                using var document = JsonDocument.Parse(line);
                return (document.RootElement.GetProperty("step").GetInt64(), document.RootElement.GetProperty("rank").GetInt32());
            }).Where(c => c.Item2 >= 0)];

    private static Dictionary<string, float[]> FinalModel(TinyJob job)
    {
        CheckpointSelection selection = new CheckpointStore(job.CheckpointDirectory).LatestValid();
        Assert.Equal(EpochSteps, selection.Chosen!.Checkpoint.Step);
        return Weights.OfCheckpoint(selection.Chosen.Checkpoint.Path);
    }

    private static long CheckpointOf(JsonElement status) =>
        status.TryGetProperty("checkpoint_step", out JsonElement c) && c.ValueKind == JsonValueKind.Number ? c.GetInt64() : 0;
}
