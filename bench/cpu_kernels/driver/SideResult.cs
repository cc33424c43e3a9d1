namespace Cluster.Bench.CpuKernels.Driver;

using System.Text.Json.Nodes;

/// <summary>One process invocation of a side: its JSON line, or why there is none; <paramref name="ProcessCpuMs"/> is the
/// process CPU time of each timed repetition as the side's stderr reports it (empty where it does not).</summary>
internal sealed record SideResult(JsonObject? Line, string? Failure, double WallSeconds, IReadOnlyList<double> ProcessCpuMs)
{
    public SideResult(JsonObject? line, string? failure, double wallSeconds)
        : this(line, failure, wallSeconds, [])
    {
    }
}
