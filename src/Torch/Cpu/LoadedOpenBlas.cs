using System.Runtime.InteropServices;

namespace Cluster.Torch.Cpu;

/// <summary>
/// What the BLAS this process has loaded says it runs, in its own words: OpenBLAS's core name and config string, which
/// name the kernels it picked. Asked after libtorch has loaded (dlopen hands back the library already open). The probe
/// (<see cref="BlasKernels.Probe"/>) answers for a child process; this answers for the process itself.
/// </summary>
public static class LoadedOpenBlas
{
    /// <summary>openblas_get_corename(), e.g. "Zen"; null when libblas.so.3 is not loaded or is not OpenBLAS.</summary>
    public static string? CoreName() => Call("openblas_get_corename");

    /// <summary>openblas_get_config() (version, DYNAMIC_ARCH, threading, core); null as for <see cref="CoreName"/>.</summary>
    public static string? Config() => Call("openblas_get_config");

    private static unsafe string? Call(string symbol)
    {
        if (!NativeLibrary.TryLoad("libblas.so.3", out IntPtr handle)) return null;
        try
        {
            return NativeLibrary.TryGetExport(handle, symbol, out IntPtr function)
                ? Marshal.PtrToStringUTF8(((delegate* unmanaged<IntPtr>)function)())?.Trim()
                : null;
        }
        finally
        {
            NativeLibrary.Free(handle);
        }
    }
}
