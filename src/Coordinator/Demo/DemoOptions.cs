namespace Cluster.Coordinator.Demo;

/// <summary>Settings of the embedded demo training.</summary>
public sealed record DemoOptions(int Steps, ulong Seed, string OutputDirectory, int Threads)
{
    public static readonly DemoOptions Default = new(600, 42, Path.Combine("out", "demo"), 1);

    public IReadOnlyList<string> Validate()
    {
        var problems = new List<string>();
        if (Steps < 10) problems.Add($"--steps must be at least 10, got {Steps}");
        if (Threads < 1) problems.Add($"--threads must be at least 1, got {Threads}");
        if (string.IsNullOrWhiteSpace(OutputDirectory)) problems.Add("--out must name a directory");
        return problems;
    }
}
