namespace Cluster.Bench.CpuKernels.Ours;

using System.Runtime.InteropServices;

/// <summary>
/// Which BLAS this process actually runs, asked of the loaded library itself after libtorch is in: the choice
/// BlasKernels made is only an environment variable until OpenBLAS reads it, so the report names what OpenBLAS says.
/// </summary>
internal static class LoadedBlas
{
    /// <summary>OpenBLAS's openblas_get_corename(), or null when libblas.so.3 is not OpenBLAS.</summary>
    public static string? CoreName() => Call("openblas_get_corename");

    /// <summary>OpenBLAS's openblas_get_config() (version, DYNAMIC_ARCH, threading), or null.</summary>
    public static string? Config() => Call("openblas_get_config");

    /// <summary>The BLAS-like shared objects mapped into this process, from /proc/self/maps.</summary>
    public static IReadOnlyList<string> MappedFiles() =>
        [.. File.ReadLines("/proc/self/maps")
            .Select(line => line.Split(' ', StringSplitOptions.RemoveEmptyEntries))
            .Where(fields => fields.Length >= 6)
            .Select(fields => fields[5])
            .Where(path => new[] { "blas", "blis", "mkl", "dnnl" }.Any(name => Path.GetFileName(path).Contains(name, StringComparison.Ordinal)))
            .Distinct()];

    private static unsafe string? Call(string symbol)
    {
        // libtorch has opened libblas.so.3 by now (it is a dependency of libtorch_cpu.so); this only hands back its handle.
        if (!NativeLibrary.TryLoad("libblas.so.3", out var library) || !NativeLibrary.TryGetExport(library, symbol, out var address))
        {
            return null;
        }
        return Marshal.PtrToStringUTF8(((delegate* unmanaged<IntPtr>)address)());
    }
}
