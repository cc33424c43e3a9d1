using System.Globalization;

namespace Cluster.Torch.Cpu;

/// <summary>What <c>/proc/cpuinfo</c> says about the CPU: enough to choose BLAS kernels and estimate a peak rate.</summary>
public sealed record CpuInfo(string Vendor, string Model, int LogicalCpus, double? Megahertz, IReadOnlySet<string> Flags)
{
    public bool IsAmd => Vendor == "AuthenticAMD";

    public bool IsIntel => Vendor == "GenuineIntel";

    /// <summary>The AVX-512 subsets OpenBLAS's SkylakeX kernels use.</summary>
    public bool HasAvx512 => new[] { "avx512f", "avx512bw", "avx512vl", "avx512dq", "avx512cd" }.All(Flags.Contains);

    public bool HasAvx2Fma => Flags.Contains("avx2") && Flags.Contains("fma");

    public bool HasAvx => Flags.Contains("avx");

    /// <summary>Single-precision FLOPs per cycle and core: two FMA units of the widest vectors the flags allow (AVX-512:
    /// 2 × 16 × 2, AVX2 + FMA: 2 × 8 × 2, AVX: 8 + 8, SSE: 4 + 4). An upper bound: some parts have one AVX-512 FMA unit.</summary>
    public int FloatFlopsPerCycle => HasAvx512 ? 64 : HasAvx2Fma ? 32 : HasAvx ? 16 : 8;

    /// <summary>The CPU's theoretical single-precision peak in GFLOPS at its nominal clock, or null when the clock is unknown.</summary>
    public double? PeakGflops(int cores) => Megahertz is double mhz ? cores * mhz / 1000 * FloatFlopsPerCycle : null;

    public static CpuInfo Read() =>
        File.Exists("/proc/cpuinfo") ? Parse(File.ReadAllText("/proc/cpuinfo")) : new CpuInfo("unknown", "unknown", Environment.ProcessorCount, null, new HashSet<string>());

    /// <summary>Reads the first processor's entry and counts the processors.</summary>
    public static CpuInfo Parse(string cpuinfo)
    {
        ArgumentNullException.ThrowIfNull(cpuinfo);
        string vendor = "unknown", model = "unknown";
        double? mhz = null;
        var flags = new HashSet<string>(StringComparer.Ordinal);
        int processors = 0;
        foreach (string line in cpuinfo.Split('\n'))
        {
            int colon = line.IndexOf(':', StringComparison.Ordinal);
            if (colon < 0) continue;
            string key = line[..colon].Trim(), value = line[(colon + 1)..].Trim();
            if (key == "processor")
            {
                processors++;
                continue;
            }

            if (processors > 1) continue;
            switch (key)
            {
                case "vendor_id": vendor = value; break;
                case "model name": model = value; break;
                case "cpu MHz" when double.TryParse(value, NumberStyles.Float, CultureInfo.InvariantCulture, out double m): mhz = m; break;
                case "flags": flags.UnionWith(value.Split(' ', StringSplitOptions.RemoveEmptyEntries)); break;
            }
        }

        return new CpuInfo(vendor, model, Math.Max(processors, 1), mhz, flags);
    }
}
