using System.Text.Json;
using System.Text.RegularExpressions;

namespace Cluster.Integration.Tests;

/// <summary><c>cluster demo</c> (what <c>./demo.sh</c> runs) as a user runs it, shortened: it synthesizes its corpus,
/// trains on DataNodes and GpuNodes as real processes, and its last line gives the final held-out CER against the
/// target, which <c>cluster eval</c> of its last checkpoint reproduces. A second demo with another corpus size
/// synthesizes again and starts from fresh weights.</summary>
[Collection(ClusterProcesses.Name)]
public sealed class DemoTests : IDisposable
{
    private readonly string directory = Path.Combine(Path.GetTempPath(), "cluster-demo-" + Guid.NewGuid().ToString("N"));

    public DemoTests() => Directory.CreateDirectory(directory);

    public void Dispose()
    {
        if (Directory.Exists(directory)) Directory.Delete(directory, recursive: true);
    }

    private static double RunEvaluation(string output, string metric)
    {
        using var status = JsonDocument.Parse(File.ReadAllText(Path.Combine(output, "runs", "demo", "status.json")));
        return status.RootElement.GetProperty("evaluation").GetProperty(metric).GetDouble();
    }

    private static double EvalSummary(string output, int step, string metric)
    {
        using var summary = JsonDocument.Parse(File.ReadAllText(Path.Combine(output, "runs", "demo", $"eval-step-{step}", "summary.json")));
        return summary.RootElement.GetProperty(metric).GetDouble();
    }

    [Fact]
    public void The_demo_trains_on_its_own_corpus_and_ends_with_the_held_out_CER_against_the_target()
    {
        string output = Path.Combine(directory, "demo");
        (int code, string first) = ClusterCli.Run(directory, "demo", "--out", output, "--steps", "20", "--utterances", "60");
        Assert.True(code == 0, first);
        Assert.Contains("synthesizing 60 Mandarin utterances", first);
        Assert.Contains("demo: finished at step 20", first);
        string last = first.TrimEnd().Split('\n')[^1];
        Assert.Matches(new Regex(@"^demo: held-out CER \d+\.\d% at step 20, after 20 steps in \d+\.\d min: (below 15%|not below 15% yet)"), last);
        Assert.True(Directory.Exists(Path.Combine(output, "checkpoints", "checkpoint-20")), first);

        // `cluster eval` of the final checkpoint scores what the run's last evaluation scored, to the last digit: one
        // pipeline for both.
        (int evalCode, string evaluated) = ClusterCli.Run(directory, "eval", Path.Combine(output, "job.yaml"));
        Assert.True(evalCode == 0, evaluated);
        Assert.Equal(RunEvaluation(output, "cer"), EvalSummary(output, 20, "cer"));
        Assert.Equal(RunEvaluation(output, "wer"), EvalSummary(output, 20, "wer"));

        (int againCode, string again) = ClusterCli.Run(directory, "demo", "--out", output, "--steps", "10", "--utterances", "40");
        Assert.True(againCode == 0, again);
        Assert.Contains("synthesizing 40 Mandarin utterances", again);
        Assert.Contains("removing the checkpoints of the previous demo", again);
        Assert.Matches(new Regex(@"^demo: held-out CER \d+\.\d% at step 10, after 10 steps", RegexOptions.Multiline), again);
    }
}
