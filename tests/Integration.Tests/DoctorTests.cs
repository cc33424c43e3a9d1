using System.Text.RegularExpressions;

namespace Cluster.Integration.Tests;

/// <summary><c>cluster doctor</c> as a user runs it: the BLAS, its kernels and a measured GEMM rate; and the safe
/// fallback (CLUSTER_BLAS_KERNELS=safe) reaching OpenBLAS through the native environment, flagged as slow.</summary>
[Collection(ClusterProcesses.Name)]
public class DoctorTests
{
    private static readonly Dictionary<string, string> Unset = new() { ["OPENBLAS_CORETYPE"] = "", ["CLUSTER_BLAS_KERNELS"] = "", ["CLUSTER_BLAS_CHOICE"] = "" };

    [Fact]
    public void Doctor_names_the_BLAS_its_checked_kernels_and_a_measured_GEMM_rate()
    {
        (int code, string output) = ClusterCli.Run(Path.GetTempPath(), Unset, "doctor");
        Assert.True(code == 0, output);
        Assert.Matches(@"libtorch: 1\.13\.\d+", output);
        Assert.Matches(@"BLAS: \S*libblas\.so\.3 .*check against a plain reference: right", output);
        Assert.Matches(@"GEMM 1024³ float: \d+(\.\d)? GFLOPS on 1 thread \(BLAS sgemm\)", output);
        Assert.Contains("CUDA: 0 device(s)", output);
        Assert.DoesNotContain("kernels on a CPU whose flags allow", output);
    }

    [Fact]
    public void The_safe_kernels_forced_by_the_environment_are_the_ones_OpenBLAS_runs_and_doctor_warns_about_them()
    {
        var safe = new Dictionary<string, string>(Unset) { ["CLUSTER_BLAS_KERNELS"] = "safe" };
        (int code, string output) = ClusterCli.Run(Path.GetTempPath(), safe, "doctor");
        Assert.True(code == 0, output);
        Assert.Contains("kernels: Prescott (generic SSE3) kernels, as CLUSTER_BLAS_KERNELS=safe asks [safe]", output);
        // OpenBLAS's own config string names the kernels it runs: the choice reached its getenv.
        Assert.Matches(@"BLAS: .*\(OpenBLAS [^)]*Prescott", output);
        if (Regex.IsMatch(output, "vector flags: .*avx2")) Assert.Contains("OpenBLAS runs its Prescott kernels on a CPU whose flags allow", output);
    }
}
