namespace Cluster.Torch.Cpu;

/// <summary>What one run of <c>cluster-blas-probe</c> found (see native/blas_probe.c).</summary>
/// <param name="Library">The BLAS file that was loaded.</param>
/// <param name="CoreName">OpenBLAS's kernel family, e.g. <c>Haswell</c>; null for a BLAS other than OpenBLAS.</param>
/// <param name="Right">Whether sgemm and dgemm agreed with the plain reference.</param>
/// <param name="Failure">Why the kernels cannot be used (crashed, wrong results, did not finish); null when right.</param>
/// <param name="GemmGflops">The measured single-thread sgemm rate on 1024³, when asked for.</param>
public sealed record BlasProbeResult(string? Library, string? CoreName, string? Config, bool Right, string? Failure, double? GemmGflops = null)
{
    public static BlasProbeResult Failed(string failure) => new(null, null, null, Right: false, failure);
}
