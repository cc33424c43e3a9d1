namespace Cluster.Coordinator.Demo;

/// <summary>Settings of the embedded demo: a synthesized Mandarin corpus, a tiny Whisper, DataNodes and GpuNodes on the CPU.</summary>
public sealed record DemoOptions(int Steps, ulong Seed, string OutputDirectory, int Utterances, int DataNodes, int GpuNodes)
{
    public static readonly DemoOptions Default = new(600, 42, Path.Combine("out", "demo"), 800, 2, 2);

    public IReadOnlyList<string> Validate()
    {
        var problems = new List<string>();
        if (Steps < 10) problems.Add($"--steps must be at least 10, got {Steps}");
        if (Utterances < 20) problems.Add($"--utterances must be at least 20, got {Utterances}");
        if (DataNodes < 1) problems.Add($"--data-nodes must be at least 1, got {DataNodes}");
        if (GpuNodes < 1) problems.Add($"--gpu-nodes must be at least 1, got {GpuNodes}");
        if (string.IsNullOrWhiteSpace(OutputDirectory)) problems.Add("--out must name a directory");
        return problems;
    }
}
