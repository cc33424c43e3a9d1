using Cluster.Torch.Cpu;

namespace Cluster.Coordinator.Cli;

/// <summary>What <c>cluster doctor</c> looked at, and the warnings it draws from it (plain, so they can be tested).</summary>
public sealed record DoctorFindings(CpuInfo Cpu, BlasKernelChoice Kernels, BlasProbeResult? Probe, string? OmpWaitPolicy, double LoadAverage, double? GemmGflopsOneThread, double? PeakGflopsOneCore)
{
    public IReadOnlyList<string> Warnings()
    {
        var warnings = new List<string>();
        if (Kernels.Warning is { } warning) warnings.Add(warning);
        if (Probe is { Right: false } failed) warnings.Add($"the BLAS in use {failed.Failure}");
        string? core = Probe?.CoreName;
        if (core is not null && BlasKernelPolicy.IsBelowCpu(Cpu, core))
            warnings.Add($"OpenBLAS runs its {core} kernels on a CPU whose flags allow {BlasKernelPolicy.Candidates(Cpu, core)[0]}: matrix products run several times below the CPU's speed (unset {BlasKernelChoice.ModeVariable}/{BlasKernelChoice.CoreTypeVariable} to let the cluster choose)");
        if (Probe?.Library is { } library && core is null && library.Contains("/blas/", StringComparison.Ordinal))
            warnings.Add($"{library} is the reference (netlib) BLAS, tens of times slower than OpenBLAS: apt-get install libopenblas0-openmp");
        if (!string.Equals(OmpWaitPolicy, "passive", StringComparison.OrdinalIgnoreCase) && LoadAverage > Cpu.LogicalCpus)
            warnings.Add($"load average {LoadAverage:0.##} is above the {Cpu.LogicalCpus} CPUs and OMP_WAIT_POLICY is {OmpWaitPolicy ?? "unset"}: idle OpenMP threads spin and take CPU from the other processes; set OMP_WAIT_POLICY=PASSIVE");
        if (GemmGflopsOneThread is double measured && PeakGflopsOneCore is double peak && measured < 0.3 * peak)
            warnings.Add($"sgemm reaches {measured:0.#} GFLOPS on one thread, {measured / peak:P0} of this core's {peak:0.#} GFLOPS peak");
        return warnings;
    }
}
