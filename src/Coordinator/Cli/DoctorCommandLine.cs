using System.CommandLine;
using System.Diagnostics;
using System.Globalization;
using Cluster.Shared.Cli;
using Cluster.Torch;
using Cluster.Torch.Cpu;

namespace Cluster.Coordinator.Cli;

/// <summary><c>cluster doctor</c>: what this machine gives a trainer (libtorch, BLAS and its kernels, threads, a measured
/// GEMM rate next to the CPU's peak, CUDA devices), and what looks wrong.</summary>
public static class DoctorCommandLine
{
    public static Command Doctor(TextWriter output, TextWriter error)
    {
        var command = new Command("doctor", "Check this machine for training: libtorch, the BLAS and its kernels, threads, a measured GEMM rate against the CPU's peak, CUDA devices.");
        command.SetAction(_ => Run(output));
        return command;
    }

    private static int Run(TextWriter output)
    {
        BlasKernelChoice kernels = BlasKernels.Ensure();
        CpuInfo cpu = CpuInfo.Read();
        string? probePath = BlasKernels.FindProbe();
        // The probe sees the environment this process now has: the kernels chosen above (or the user's).
        BlasProbeResult? probe = probePath is null ? null : BlasKernels.Probe(probePath, Environment.GetEnvironmentVariable(BlasKernelChoice.CoreTypeVariable), measureRepeats: 3);
        var (major, minor, patch) = torch.libtorch_version();
        int threads = torch.get_num_threads();
        double allThreads = MatmulGflops();
        double? peakCore = cpu.PeakGflops(1);
        string? waitPolicy = Environment.GetEnvironmentVariable("OMP_WAIT_POLICY");
        var findings = new DoctorFindings(cpu, kernels, probe, waitPolicy, LoadAverage(), probe?.GemmGflops, peakCore);

        string flags = string.Join(" ", new[] { "sse3", "avx", "avx2", "fma", "avx512f", "avx512bw", "avx512vl" }.Where(cpu.Flags.Contains));
        output.WriteLine($"CPU: {cpu.Model} ({cpu.Vendor}), {cpu.LogicalCpus} logical CPUs, {(cpu.Megahertz is double mhz ? $"{mhz:0} MHz" : "clock unknown")}; vector flags: {flags}");
        output.WriteLine($"libtorch: {major}.{minor}.{patch}; {FirstLines(torch.build_config())}");
        output.WriteLine(probe is null ? "BLAS: not checked (cluster-blas-probe not found beside the shim)"
            : $"BLAS: {probe.Library ?? "libblas.so.3"} ({probe.Config ?? "not OpenBLAS"}); check against a plain reference: {(probe.Right ? "right" : probe.Failure)}");
        output.WriteLine($"kernels: {kernels.Explanation} [{kernels.Source.ToString().ToLowerInvariant()}]");
        string interop = torch.parallel_info().Split('\n').FirstOrDefault(l => l.Contains("get_num_interop_threads", StringComparison.Ordinal))?.Split(':').Last().Trim() ?? "?";
        output.WriteLine($"threads: libtorch intra-op {threads}, inter-op {interop}; OMP_NUM_THREADS {Environment.GetEnvironmentVariable("OMP_NUM_THREADS") ?? "unset"}; OMP_WAIT_POLICY {waitPolicy ?? "unset"}");
        string peak = cpu.PeakGflops(cpu.LogicalCpus) is double p ? $"; peak about {peakCore:0.#} GFLOPS per core, {p:0.#} for all ({cpu.FloatFlopsPerCycle} FLOPs/cycle at the nominal clock)" : "";
        string oneThread = probe?.GemmGflops is double one ? $"{one:0.#} GFLOPS on 1 thread (BLAS sgemm){(peakCore is double pc ? $", {one / pc:P0} of a core's peak" : "")}, " : "";
        output.WriteLine($"GEMM 1024³ float: {oneThread}{allThreads:0.#} GFLOPS on {threads} threads (torch.matmul){peak}");
        output.WriteLine($"CUDA: {torch.cuda.device_count()} device(s)");
        IReadOnlyList<string> warnings = findings.Warnings();
        output.WriteLine(warnings.Count == 0 ? "no warnings" : $"{warnings.Count} warning(s):");
        foreach (string warning in warnings) output.WriteLine($"  - {warning}");
        return ExitCodes.Ok;
    }

    private static double MatmulGflops()
    {
        using var scope = torch.NewDisposeScope();
        Tensor a = torch.randn(1024, 1024), b = torch.randn(1024, 1024);
        a.matmul(b);
        double best = 0;
        for (int i = 0; i < 3; i++)
        {
            var clock = Stopwatch.StartNew();
            a.matmul(b);
            best = Math.Max(best, 2.0 * 1024 * 1024 * 1024 / clock.Elapsed.TotalSeconds / 1e9);
        }

        return best;
    }

    /// <summary>The CPU capability libtorch dispatches to and the BLAS it was built for, out of its long build summary.</summary>
    private static string FirstLines(string config)
    {
        var lines = config.Split('\n', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries);
        IEnumerable<string> capability = lines.Where(l => l.StartsWith("- CPU capability", StringComparison.Ordinal)).Select(l => l[2..]);
        IEnumerable<string> blas = lines.SelectMany(l => l.Split(", ")).Where(l => l.StartsWith("BLAS_INFO=", StringComparison.Ordinal));
        return string.Join("; ", capability.Concat(blas));
    }

    private static double LoadAverage()
    {
        try
        {
            string text = File.ReadAllText("/proc/loadavg");
            return double.Parse(text.Split(' ')[0], CultureInfo.InvariantCulture);
        }
        catch (Exception error) when (error is IOException or FormatException or UnauthorizedAccessException)
        {
            return 0;
        }
    }
}
