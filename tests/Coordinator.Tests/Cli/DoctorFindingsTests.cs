using Cluster.Coordinator.Cli;
using Cluster.Torch.Cpu;

namespace Cluster.Coordinator.Tests.Cli;

public class DoctorFindingsTests
{
    private static readonly CpuInfo Epyc = CpuInfo.Parse("processor : 0\nvendor_id : AuthenticAMD\nmodel name : AMD EPYC\ncpu MHz : 2445.0\nflags : sse3 avx avx2 fma\nprocessor : 1\n");
    private static readonly BlasKernelChoice Library = new(null, "Haswell", BlasKernelSource.Library, "Haswell kernels, OpenBLAS's own detection", null);
    private static readonly BlasProbeResult Haswell = new("/usr/lib/x86_64-linux-gnu/openblas-openmp/libblas.so.3", "Haswell", "OpenBLAS 0.3.21", Right: true, null, 85);

    [Fact]
    public void A_well_set_machine_has_no_warnings()
    {
        Assert.Empty(new DoctorFindings(Epyc, Library, Haswell, "PASSIVE", 3.5, 85, 78).Warnings());
    }

    [Fact]
    public void Generic_kernels_netlib_BLAS_spinning_OpenMP_under_load_and_a_slow_GEMM_are_each_named()
    {
        var prescott = Haswell with { CoreName = "Prescott" };
        var warnings = new DoctorFindings(Epyc, Library, prescott, null, 3.5, 18, 78).Warnings();
        Assert.Collection(warnings,
            w => Assert.StartsWith("OpenBLAS runs its Prescott kernels on a CPU whose flags allow Zen", w),
            w => Assert.StartsWith("load average 3.5 is above the 2 CPUs and OMP_WAIT_POLICY is unset", w),
            w => Assert.StartsWith("sgemm reaches 18 GFLOPS on one thread, 23", w));
        var netlib = new BlasProbeResult("/usr/lib/x86_64-linux-gnu/blas/libblas.so.3.11.0", null, null, Right: true, null, 3.4);
        Assert.Contains(new DoctorFindings(Epyc, Library, netlib, "passive", 0.5, null, null).Warnings(), w => w.Contains("reference (netlib) BLAS"));
    }
}
