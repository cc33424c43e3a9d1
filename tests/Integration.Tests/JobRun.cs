using System.Diagnostics;
using System.Text.Json;

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

    /// <summary>The ledger's verdict and the run's record agree: every planned batch committed once, none twice.</summary>
    public static void AssertEveryBatchCommittedExactlyOnce(TinyJob job, JsonElement status)
    {
        int planned = status.GetProperty("ledger_batches").GetInt32();
        Assert.True(planned > 0);
        Assert.Equal(planned, status.GetProperty("ledger_committed").GetInt32());
        Assert.Equal(0, status.GetProperty("duplicate_commits").GetInt64());
        var committed = job.StandingCommits().SelectMany(c => c.BatchIds).ToList();
        Assert.Equal(planned, committed.Count);
        Assert.Equal(planned, committed.Distinct(StringComparer.Ordinal).Count());
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
