using System.Diagnostics;
using System.Text.Json;
using Cluster.Coordinator.Jobs;
using Cluster.Shared.Jobs;

namespace Cluster.Integration.Tests;

/// <summary>Waiting on and checking a <c>cluster train</c> process of a <see cref="TinyJob"/>.</summary>
internal static class JobRun
{
    public static readonly TimeSpan Limit = TimeSpan.FromMinutes(6);

    public static void WaitForExit(Process process, TinyJob job)
    {
        if (!process.WaitForExit(Limit))
        {
            process.Kill(entireProcessTree: true);
            Assert.Fail($"cluster train did not finish within {Limit}:\n{job.Transcript()}");
        }

        process.WaitForExit();
    }

    /// <summary>Runs the job to its end and checks that it finished without failing.</summary>
    public static JsonElement RunToEnd(TinyJob job) => RunToEnd(job, new Dictionary<string, string>());

    /// <summary>Runs the job to its end with <paramref name="environment"/> added to the cluster's, and checks that it
    /// finished without failing.</summary>
    public static JsonElement RunToEnd(TinyJob job, IReadOnlyDictionary<string, string> environment)
    {
        using Process train = job.StartTrain(environment);
        WaitForExit(train, job);
        Assert.True(train.ExitCode == 0, job.Transcript());
        JsonElement status = job.FinalStatus();
        Assert.Equal("finished", status.GetProperty("phase").GetString());
        return status;
    }

    /// <summary>
    /// The epoch was trained exactly once, checked against what the cluster did not decide at run time: the epoch's plan
    /// made here from the manifest and seed (every utterance the fixture wrote in exactly one batch of it), and the
    /// commits that stand in the run's record (every planned batch once, no other). The ledger's verdict must agree.
    /// </summary>
    public static void AssertEveryBatchCommittedExactlyOnce(TinyJob job, JsonElement status)
    {
        var plan = ManifestEpochPlanner.Load(JobSpecLoader.Load(job.JobPath), validate: false, _ => { }).Plan(0);
        Assert.Equal(job.UtteranceIds.Order(StringComparer.Ordinal), plan.Batches.SelectMany(b => b.ItemIds).Order(StringComparer.Ordinal));
        var committed = job.StandingCommits().SelectMany(c => c.BatchIds).ToList();
        Assert.Equal(plan.Batches.Select(b => b.BatchId).Order(StringComparer.Ordinal), committed.Order(StringComparer.Ordinal));

        Assert.Equal(plan.Batches.Count, status.GetProperty("ledger_batches").GetInt32());
        Assert.Equal(plan.Batches.Count, status.GetProperty("ledger_committed").GetInt32());
        Assert.Equal(0, status.GetProperty("duplicate_commits").GetInt64());
    }

    public static async Task<JsonElement> StatusAsync(HttpClient http, string apiUrl)
    {
        using var document = JsonDocument.Parse(await http.GetStringAsync(apiUrl + "/status"));
        return document.RootElement.Clone();
    }

    /// <summary>Polls the status until <paramref name="condition"/> holds; fails with the transcript when the job ends or
    /// the limit passes first.</summary>
    public static async Task<JsonElement> WaitForStatusAsync(HttpClient http, TinyJob job, Process train, string what, Func<JsonElement, bool> condition)
    {
        string api = job.ApiUrl();
        var clock = Stopwatch.StartNew();
        while (clock.Elapsed < Limit && !train.HasExited)
        {
            JsonElement status = await StatusAsync(http, api);
            if (condition(status)) return status;
            await Task.Delay(200);
        }

        Assert.Fail($"never saw {what}:\n{job.Transcript()}");
        return default;
    }

    public static IEnumerable<JsonElement> Nodes(JsonElement status, string role) =>
        status.GetProperty("nodes").EnumerateArray().Where(n => n.GetProperty("role").GetString() == role);

    public static int ProcessOf(JsonElement status, string name) =>
        status.GetProperty("nodes").EnumerateArray().Single(n => n.GetProperty("name").GetString() == name).GetProperty("process_id").GetInt32();
}
