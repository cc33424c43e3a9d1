namespace Cluster.Integration.Tests;

/// <summary>
/// <c>cluster train</c> on the safe BLAS fallback, forced by CLUSTER_BLAS_KERNELS=safe as a user would on a CPU whose
/// chosen kernels misbehave: the choice reaches every trainer process's OpenBLAS, the job trains to its end with every
/// batch committed once, and its losses are those of the same job on the chosen kernels (only the rounding differs).
/// </summary>
[Collection(ClusterProcesses.Name)]
public class SafeKernelTrainingTests
{
    private static readonly Dictionary<string, string> Chosen = new() { ["OPENBLAS_CORETYPE"] = "", ["CLUSTER_BLAS_KERNELS"] = "", ["CLUSTER_BLAS_CHOICE"] = "" };

    [Fact]
    public void A_job_on_the_safe_kernels_trains_to_its_end_with_the_losses_of_the_chosen_kernels()
    {
        using var safeJob = new TinyJob(utterances: 24, checkpointEvery: 3);
        var safe = JobRun.RunToEnd(safeJob, new Dictionary<string, string>(Chosen) { ["CLUSTER_BLAS_KERNELS"] = "safe" });
        JobRun.AssertEveryBatchCommittedExactlyOnce(safeJob, safe);
        foreach (string trainer in new[] { "gpu-0", "gpu-1" })
        {
            string log = File.ReadAllText(Path.Combine(safeJob.RunDirectory, "logs", $"{trainer}.log"));
            // The trainer's own OpenBLAS names the kernels it runs: the launcher's choice reached its getenv.
            Assert.Matches($@"{trainer}: BLAS kernels: Prescott kernels, chosen by the parent process; OpenBLAS .*Prescott", log);
        }

        using var chosenJob = new TinyJob(utterances: 24, checkpointEvery: 3);
        var chosen = JobRun.RunToEnd(chosenJob, Chosen);
        Assert.Equal(chosen.GetProperty("step").GetInt64(), safe.GetProperty("step").GetInt64());
        string gpu0 = File.ReadAllText(Path.Combine(chosenJob.RunDirectory, "logs", "gpu-0.log"));
        Assert.Matches(@"gpu-0: BLAS kernels: .*; (OpenBLAS|libblas)", gpu0);

        var safeLosses = safeJob.StandingCommits().OrderBy(c => (c.Step, c.Rank)).Select(c => c.Loss).ToList();
        var chosenLosses = chosenJob.StandingCommits().OrderBy(c => (c.Step, c.Rank)).Select(c => c.Loss).ToList();
        Assert.Equal(chosenLosses.Count, safeLosses.Count);
        for (int i = 0; i < safeLosses.Count; i++)
            Assert.True(Math.Abs(safeLosses[i] - chosenLosses[i]) <= 1e-3 * Math.Max(1, Math.Abs(chosenLosses[i])),
                $"commit {i}: loss {safeLosses[i]} on the safe kernels, {chosenLosses[i]} on the chosen ones");
    }
}
