namespace Cluster.Torch.Cpu;

/// <summary>
/// Decides which OpenBLAS kernels a process uses, before libtorch loads. The user's OPENBLAS_CORETYPE always wins, and
/// a parent's choice is inherited. Otherwise the library's own detection is probed; when it picked a family below what
/// the CPU's flags allow (Debian 12's OpenBLAS 0.3.21 calls some virtual Xeons "Prescott"), the better families are
/// tried best first, each in a probe process, and the first that computes right is used. A detected family that
/// crashes or computes wrong falls back to the generic kernels. Every step that gives way says so in the warning.
/// </summary>
public static class BlasKernelPolicy
{
    /// <param name="environment">Reads an environment variable (null or empty: unset).</param>
    /// <param name="probe">Runs the probe with OPENBLAS_CORETYPE set to the argument (null: unset); null when there
    /// is no probe to run.</param>
    public static BlasKernelChoice Decide(Func<string, string?> environment, CpuInfo cpu, Func<string?, BlasProbeResult>? probe)
    {
        ArgumentNullException.ThrowIfNull(environment);
        ArgumentNullException.ThrowIfNull(cpu);
        string? user = NonEmpty(environment(BlasKernelChoice.CoreTypeVariable));
        string? inherited = NonEmpty(environment(BlasKernelChoice.ChoiceVariable));
        if (user is not null)
        {
            return user == inherited
                ? new BlasKernelChoice(null, user, BlasKernelSource.Inherited, $"{user} kernels, chosen by the parent process", null)
                : new BlasKernelChoice(null, user, BlasKernelSource.User, $"{user} kernels, set by {BlasKernelChoice.CoreTypeVariable}", null);
        }

        if (inherited is not null)
            return new BlasKernelChoice(null, inherited, BlasKernelSource.Inherited, $"{inherited} kernels, the library's own, as the parent process found", null);

        string? warning = null;
        switch (NonEmpty(environment(BlasKernelChoice.ModeVariable))?.ToLowerInvariant())
        {
            case null or "auto":
                break;
            case "safe":
                return new BlasKernelChoice(BlasKernelChoice.SafeKernels, BlasKernelChoice.SafeKernels, BlasKernelSource.Safe,
                    $"{BlasKernelChoice.SafeKernels} (generic SSE3) kernels, as {BlasKernelChoice.ModeVariable}=safe asks", null);
            case "library":
                return new BlasKernelChoice(null, "the library's own", BlasKernelSource.Library,
                    $"the library's own detection, unchecked, as {BlasKernelChoice.ModeVariable}=library asks", null);
            case string other:
                warning = $"{BlasKernelChoice.ModeVariable}={other} is not auto, safe or library; using auto";
                break;
        }

        if (probe is null)
            return new BlasKernelChoice(null, "the library's own", BlasKernelSource.Library, "the library's own detection", Join(warning, "cluster-blas-probe was not found next to the shim, so the BLAS kernels were not checked"));

        BlasProbeResult detected = probe(null);
        if (!detected.Right)
        {
            string what = detected.CoreName is { } core ? $"OpenBLAS's own choice, {core} kernels," : $"the BLAS library ({detected.Library ?? "libblas.so.3"})";
            warning = Join(warning, $"{what} {detected.Failure} on {cpu.Model}");
            if (detected.CoreName is null && detected.Library is null)
                return new BlasKernelChoice(null, "unknown", BlasKernelSource.Library, "the library's own detection", warning);
            BlasProbeResult safe = probe(BlasKernelChoice.SafeKernels);
            return new BlasKernelChoice(BlasKernelChoice.SafeKernels, BlasKernelChoice.SafeKernels, BlasKernelSource.Safe, $"{BlasKernelChoice.SafeKernels} (generic SSE3) kernels",
                Join(warning, safe.Right ? $"using the safe {BlasKernelChoice.SafeKernels} kernels instead" : $"the safe {BlasKernelChoice.SafeKernels} kernels {safe.Failure} too; using them anyway"));
        }

        if (detected.CoreName is not { } detectedCore)
            return new BlasKernelChoice(null, LibraryName(detected), BlasKernelSource.Library, $"{LibraryName(detected)} (not OpenBLAS: nothing to choose)", warning);

        bool gaveWay = false;
        foreach (string candidate in Candidates(cpu, detectedCore))
        {
            BlasProbeResult tried = probe(candidate);
            if (tried.Right)
                return new BlasKernelChoice(candidate, candidate, BlasKernelSource.Chosen, $"{candidate} kernels: OpenBLAS detected {detectedCore} on {cpu.Model}, whose flags allow {candidate}", warning);
            warning = Join(warning, $"{candidate} kernels {tried.Failure} on {cpu.Model}");
            gaveWay = true;
        }

        return new BlasKernelChoice(null, detectedCore, BlasKernelSource.Library, $"{detectedCore} kernels, OpenBLAS's own detection",
            gaveWay ? Join(warning, $"keeping OpenBLAS's own {detectedCore} kernels") : warning);
    }

    /// <summary>The kernel families the CPU's flags allow that are better than <paramref name="detected"/>, best first.</summary>
    public static IReadOnlyList<string> Candidates(CpuInfo cpu, string detected)
    {
        ArgumentNullException.ThrowIfNull(cpu);
        string avx2 = cpu.IsAmd ? "Zen" : "Haswell";
        List<string> allowed = cpu.HasAvx512 ? ["SkylakeX", avx2] : cpu.HasAvx2Fma ? [avx2] : cpu.HasAvx ? ["Sandybridge"] : [];
        return [.. allowed.Where(family => Tier(family) > Tier(detected))];
    }

    /// <summary>How wide the family's kernels are: 3 AVX-512, 2 AVX2 with FMA, 1 AVX, 0 SSE only (or unknown).</summary>
    public static int Tier(string family) => family.ToLowerInvariant() switch
    {
        "skylakex" or "cooperlake" or "sapphirerapids" or "zen4" => 3,
        "haswell" or "zen" or "skylake" or "excavator" => 2,
        "sandybridge" or "bulldozer" or "piledriver" or "steamroller" => 1,
        _ => 0,
    };

    /// <summary>A family that leaves most of the CPU unused: below what its flags allow.</summary>
    public static bool IsBelowCpu(CpuInfo cpu, string family) => Candidates(cpu, family).Count > 0;

    private static string LibraryName(BlasProbeResult result) => result.Library is { } file ? Path.GetFileName(Path.GetDirectoryName(file)) + "/" + Path.GetFileName(file) : "libblas.so.3";

    private static string? NonEmpty(string? value) => string.IsNullOrWhiteSpace(value) ? null : value.Trim();

    private static string? Join(string? first, string second) => first is null ? second : $"{first}; {second}";
}
