using System.Text.Json;
using Cluster.Coordinator.Runtime;

namespace Cluster.Coordinator.Tests.Runtime;

public sealed class ScrapeTargetsTests : IDisposable
{
    private readonly string directory = Path.Combine(Path.GetTempPath(), "cluster-targets-" + Guid.NewGuid().ToString("N"));

    public void Dispose() => Directory.Delete(directory, recursive: true);

    [Fact]
    public void Targets_follow_started_restarted_and_gone_processes_in_file_sd_form()
    {
        var targets = new ScrapeTargets(directory, "tiny job");
        targets.Set("coordinator", "coordinator", "127.0.0.1:9000");
        targets.Set("data-1", "data", "127.0.0.1:9001");
        targets.Set("data-1", "data", "127.0.0.1:9005"); // started again on another port
        targets.Set("gpu-0", "trainer", "127.0.0.1:9002");
        targets.Remove("gpu-0");

        using var written = JsonDocument.Parse(File.ReadAllText(Path.Combine(directory, ScrapeTargets.TargetsFile)));
        var groups = written.RootElement.EnumerateArray().Select(g => (
            Address: Assert.Single(g.GetProperty("targets").EnumerateArray()).GetString(),
            Role: g.GetProperty("labels").GetProperty("role").GetString(),
            Node: g.GetProperty("labels").GetProperty("node").GetString())).ToList();
        Assert.Equal([("127.0.0.1:9000", "coordinator", "coordinator"), ("127.0.0.1:9005", "data", "data-1")], groups);
        Assert.False(File.Exists(Path.Combine(directory, ScrapeTargets.TargetsFile + ".tmp")));
        string config = File.ReadAllText(Path.Combine(directory, ScrapeTargets.ConfigFile));
        Assert.Contains("job_name: \"tiny job\"", config);
        Assert.Contains($"files: [{ScrapeTargets.TargetsFile}]", config);
    }
}
