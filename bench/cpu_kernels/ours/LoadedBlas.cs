namespace Cluster.Bench.CpuKernels.Ours;

/// <summary>
/// Which BLAS libraries this process has mapped, for the report; what OpenBLAS itself says it runs comes from
/// <see cref="Cluster.Torch.Cpu.LoadedOpenBlas"/>, as a trainer logs it.
/// </summary>
internal static class LoadedBlas
{
    /// <summary>The BLAS-like shared objects mapped into this process, from /proc/self/maps.</summary>
    public static IReadOnlyList<string> MappedFiles() =>
        [.. File.ReadLines("/proc/self/maps")
            .Select(line => line.Split(' ', StringSplitOptions.RemoveEmptyEntries))
            .Where(fields => fields.Length >= 6)
            .Select(fields => fields[5])
            .Where(path => new[] { "blas", "blis", "mkl", "dnnl" }.Any(name => Path.GetFileName(path).Contains(name, StringComparison.Ordinal)))
            .Distinct()];
}
