using Cluster.Torch.Cpu;

namespace Cluster.Torch.Tests.Cpu;

public class BlasKernelPolicyTests
{
    private const string XeonInfo = """
        processor	: 0
        vendor_id	: GenuineIntel
        model name	: Intel(R) Xeon(R) Platinum 8375C CPU @ 2.90GHz
        cpu MHz		: 2900.000
        flags		: fpu sse sse2 ssse3 sse4_1 sse4_2 avx avx2 fma avx512f avx512dq avx512cd avx512bw avx512vl

        processor	: 1
        vendor_id	: GenuineIntel
        flags		: fpu sse sse2 ssse3 sse4_1 sse4_2 avx avx2 fma avx512f avx512dq avx512cd avx512bw avx512vl
        """;

    private static readonly CpuInfo Xeon = CpuInfo.Parse(XeonInfo);
    private static readonly CpuInfo Epyc = CpuInfo.Parse(XeonInfo.Replace("GenuineIntel", "AuthenticAMD").Replace("Intel(R) Xeon(R) Platinum 8375C CPU @ 2.90GHz", "AMD EPYC")
        .Replace(" avx512f avx512dq avx512cd avx512bw avx512vl", ""));

    private static readonly BlasProbeResult Right = new("/usr/lib/x86_64-linux-gnu/openblas-openmp/libblas.so.3", "Haswell", "OpenBLAS 0.3.21", Right: true, null);

    private static Func<string, string?> Environment(params (string Name, string Value)[] variables) =>
        name => variables.FirstOrDefault(v => v.Name == name).Value;

    /// <summary>A probe that answers from a table (core type → result) and records what it was asked.</summary>
    private sealed class FakeProbe(Dictionary<string, BlasProbeResult> answers)
    {
        public List<string?> Asked { get; } = [];

        public BlasProbeResult Run(string? coreType)
        {
            Asked.Add(coreType);
            return answers[coreType ?? "default"];
        }
    }

    [Fact]
    public void Cpuinfo_gives_the_vendor_model_flags_clock_and_processor_count()
    {
        Assert.True(Xeon.IsIntel);
        Assert.Equal("Intel(R) Xeon(R) Platinum 8375C CPU @ 2.90GHz", Xeon.Model);
        Assert.Equal(2, Xeon.LogicalCpus);
        Assert.True(Xeon.HasAvx512);
        Assert.Equal(64, Xeon.FloatFlopsPerCycle);
        Assert.Equal(2 * 2.9 * 64, Xeon.PeakGflops(2)!.Value, 6);
        Assert.True(Epyc.IsAmd);
        Assert.False(Epyc.HasAvx512);
        Assert.Equal(32, Epyc.FloatFlopsPerCycle);
    }

    [Fact]
    public void A_generic_core_on_an_AVX_512_Xeon_gets_the_widest_family_that_computes_right()
    {
        var probe = new FakeProbe(new()
        {
            ["default"] = Right with { CoreName = "Prescott" },
            ["SkylakeX"] = Right with { CoreName = "SkylakeX" },
        });
        BlasKernelChoice choice = BlasKernelPolicy.Decide(Environment(), Xeon, probe.Run);
        Assert.Equal("SkylakeX", choice.CoreType);
        Assert.Equal(BlasKernelSource.Chosen, choice.Source);
        Assert.Null(choice.Warning);
        Assert.Equal([null, "SkylakeX"], probe.Asked);
    }

    [Fact]
    public void A_family_that_crashes_gives_way_to_the_next_and_the_warning_names_the_CPU_and_the_kernel()
    {
        var probe = new FakeProbe(new()
        {
            ["default"] = Right with { CoreName = "Prescott" },
            ["SkylakeX"] = BlasProbeResult.Failed("crashed (SIGILL, an instruction this CPU does not have)"),
            ["Haswell"] = Right,
        });
        BlasKernelChoice choice = BlasKernelPolicy.Decide(Environment(), Xeon, probe.Run);
        Assert.Equal("Haswell", choice.CoreType);
        Assert.Equal("SkylakeX kernels crashed (SIGILL, an instruction this CPU does not have) on Intel(R) Xeon(R) Platinum 8375C CPU @ 2.90GHz", choice.Warning);
    }

    [Fact]
    public void When_every_better_family_fails_the_detected_one_stays()
    {
        var probe = new FakeProbe(new()
        {
            ["default"] = Right with { CoreName = "Prescott" },
            ["Zen"] = BlasProbeResult.Failed("computed wrong results (sgemm error 0.5, dgemm error 0)"),
        });
        BlasKernelChoice choice = BlasKernelPolicy.Decide(Environment(), Epyc, probe.Run);
        Assert.Null(choice.CoreType);
        Assert.Equal(BlasKernelSource.Library, choice.Source);
        Assert.Contains("Zen kernels computed wrong results", choice.Warning);
        Assert.EndsWith("keeping OpenBLAS's own Prescott kernels", choice.Warning);
    }

    [Fact]
    public void A_detected_family_as_wide_as_the_CPU_allows_is_kept_without_trying_others()
    {
        var probe = new FakeProbe(new() { ["default"] = Right });
        BlasKernelChoice choice = BlasKernelPolicy.Decide(Environment(), Epyc, probe.Run);
        Assert.Null(choice.CoreType);
        Assert.Equal("Haswell", choice.Kernels);
        Assert.Equal(BlasKernelSource.Library, choice.Source);
        Assert.Equal([null], probe.Asked);
    }

    [Fact]
    public void A_detected_family_that_computes_wrong_falls_back_to_the_safe_kernels()
    {
        var probe = new FakeProbe(new()
        {
            ["default"] = Right with { Right = false, Failure = "computed wrong results (sgemm error 0.25, dgemm error 1e-16)" },
            ["Prescott"] = Right with { CoreName = "Prescott" },
        });
        BlasKernelChoice choice = BlasKernelPolicy.Decide(Environment(), Epyc, probe.Run);
        Assert.Equal("Prescott", choice.CoreType);
        Assert.Equal(BlasKernelSource.Safe, choice.Source);
        Assert.Equal("OpenBLAS's own choice, Haswell kernels, computed wrong results (sgemm error 0.25, dgemm error 1e-16) on AMD EPYC; using the safe Prescott kernels instead", choice.Warning);
    }

    [Fact]
    public void The_users_core_type_wins_and_nothing_is_probed()
    {
        BlasKernelChoice choice = BlasKernelPolicy.Decide(Environment(("OPENBLAS_CORETYPE", "Sandybridge")), Xeon, _ => throw new InvalidOperationException("probed"));
        Assert.Null(choice.CoreType);
        Assert.Equal(("Sandybridge", BlasKernelSource.User), (choice.Kernels, choice.Source));
    }

    [Fact]
    public void A_parents_choice_is_inherited_and_not_mistaken_for_the_users()
    {
        BlasKernelChoice chosen = BlasKernelPolicy.Decide(Environment(("OPENBLAS_CORETYPE", "SkylakeX"), ("CLUSTER_BLAS_CHOICE", "SkylakeX")), Xeon, null);
        Assert.Equal(BlasKernelSource.Inherited, chosen.Source);
        BlasKernelChoice kept = BlasKernelPolicy.Decide(Environment(("CLUSTER_BLAS_CHOICE", "Haswell")), Epyc, _ => throw new InvalidOperationException("probed"));
        Assert.Equal((null, "Haswell", BlasKernelSource.Inherited), (kept.CoreType, kept.Kernels, kept.Source));
    }

    [Theory]
    [InlineData("safe", "Prescott", BlasKernelSource.Safe)]
    [InlineData("SAFE", "Prescott", BlasKernelSource.Safe)]
    [InlineData("library", null, BlasKernelSource.Library)]
    public void The_mode_variable_forces_the_safe_kernels_or_the_librarys_own(string mode, string? coreType, BlasKernelSource source)
    {
        BlasKernelChoice choice = BlasKernelPolicy.Decide(Environment(("CLUSTER_BLAS_KERNELS", mode)), Xeon, _ => throw new InvalidOperationException("probed"));
        Assert.Equal((coreType, source), (choice.CoreType, choice.Source));
    }

    [Fact]
    public void An_unknown_mode_is_named_in_the_warning_and_auto_is_used()
    {
        var probe = new FakeProbe(new() { ["default"] = Right });
        BlasKernelChoice choice = BlasKernelPolicy.Decide(Environment(("CLUSTER_BLAS_KERNELS", "fastest")), Epyc, probe.Run);
        Assert.Equal("CLUSTER_BLAS_KERNELS=fastest is not auto, safe or library; using auto", choice.Warning);
    }

    [Fact]
    public void Without_a_probe_nothing_changes_and_the_warning_says_the_kernels_were_not_checked()
    {
        BlasKernelChoice choice = BlasKernelPolicy.Decide(Environment(), Xeon, null);
        Assert.Null(choice.CoreType);
        Assert.Contains("not checked", choice.Warning);
    }

    [Fact]
    public void A_BLAS_other_than_OpenBLAS_has_nothing_to_choose()
    {
        var probe = new FakeProbe(new() { ["default"] = Right with { Library = "/usr/lib/x86_64-linux-gnu/blis-openmp/libblas.so.3", CoreName = null } });
        BlasKernelChoice choice = BlasKernelPolicy.Decide(Environment(), Xeon, probe.Run);
        Assert.Null(choice.CoreType);
        Assert.Equal("blis-openmp/libblas.so.3", choice.Kernels);
    }

    [Theory]
    [InlineData(139, "crashed (SIGSEGV)")]
    [InlineData(132, "crashed (SIGILL, an instruction this CPU does not have)")]
    public void A_probe_killed_by_a_signal_reads_as_a_crash(int exitCode, string failure)
    {
        BlasProbeResult result = BlasKernels.Interpret(exitCode, "", "");
        Assert.False(result.Right);
        Assert.Equal(failure, result.Failure);
    }

    [Fact]
    public void The_real_probe_agrees_with_its_reference_and_names_the_library()
    {
        string probe = BlasKernels.FindProbe() ?? throw new InvalidOperationException("cluster-blas-probe is not beside the shim");
        BlasProbeResult result = BlasKernels.Probe(probe, coreType: null, measureRepeats: 1);
        Assert.True(result.Right, result.Failure);
        Assert.Contains("libblas.so.3", result.Library);
        Assert.True(result.GemmGflops > 0);
        BlasProbeResult safe = BlasKernels.Probe(probe, BlasKernelChoice.SafeKernels);
        Assert.True(safe.Right, safe.Failure);
        if (safe.CoreName is not null) Assert.Equal("Prescott", safe.CoreName);
    }
}
