namespace Cluster.Bench.CpuKernels.Driver;

using System.Text.Json.Nodes;
using Cluster.Torch.Cpu;

/// <summary>Everything one run measured and found out, for the report.</summary>
internal sealed record BenchmarkRun(
    DriverOptions Options,
    CpuInfo Cpu,
    IReadOnlyList<Side> Sides,
    IReadOnlyDictionary<string, JsonObject?> Info,
    IReadOnlyDictionary<string, string> InfoFailures,
    IReadOnlyDictionary<(string Op, string Side), OpTimings> Timings,
    IReadOnlyList<ProbeRow> Probes,
    string? MklCandidate,
    IReadOnlyList<string> AptComponents,
    string? OmpWaitPolicy,
    string LoadBefore,
    string LoadAfter,
    DateTime Started,
    DateTime Finished);
