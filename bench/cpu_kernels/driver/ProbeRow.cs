namespace Cluster.Bench.CpuKernels.Driver;

using System.Text.Json.Nodes;

/// <summary>
/// One BLAS configuration timed by cluster-blas-probe (sgemm 1024³, 1 thread unless told): an OpenBLAS kernel family
/// through OPENBLAS_CORETYPE (null: OpenBLAS's own detection), or another library through --library.
/// </summary>
internal sealed class ProbeRow(string label, string? coreType, string? library, string note)
{
    private readonly List<JsonObject> runs = [];
    private readonly List<string> failures = [];

    public string Label => label;

    public string? CoreType => coreType;

    public string? Library => library;

    public string Note => note;

    public IReadOnlyList<string> Failures => failures;

    public bool HasData => runs.Count > 0;

    /// <summary>The median over the turns of each turn's median rate.</summary>
    public double MedianGflops => Statistics.Median(runs.Select(run => run["gemm_gflops_median"]!.GetValue<double>()));

    public double BestGflops => runs.Max(run => run["gemm_gflops_best"]!.GetValue<double>());

    /// <summary>What the library says it ran (OpenBLAS's core name), or null for another BLAS.</summary>
    public string? CoreName => runs.Select(run => run["corename"]?.GetValue<string>()).FirstOrDefault(name => name is not null);

    public string? LoadedFile => runs.Select(run => run["library"]?.GetValue<string>()).FirstOrDefault(name => name is not null);

    public void Add(SideResult result)
    {
        if (result.Line is { } line && line["gemm_gflops_median"] is not null)
        {
            runs.Add(line);
        }
        else
        {
            failures.Add(result.Failure ?? "the probe printed no GEMM rate (its results were wrong)");
        }
    }
}
