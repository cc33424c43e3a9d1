using System.Globalization;
using Cluster.Shared.Jobs;

namespace Cluster.GpuNode;

/// <summary>
/// The FLOP/s one trainer's device could reach at best, the denominator of MFU: the job's
/// <c>observability.peak_flops</c> for the device type, else for a CPU its cores' fp32 FMA rate (vector lanes × 2 FMA
/// units × 2 operations × clock × the threads the trainer uses). A GPU has no default: its rate depends on the model of
/// card and the precision, which the job states (e.g. 989e12 for an H100's dense bf16).
/// </summary>
public static class PeakFlops
{
    /// <returns>Null where no peak is known (a GPU the job gives no rate for): MFU is then not exported.</returns>
    public static double? Of(ObservabilitySpec spec, bool cuda, int threads, string cpuInfo)
    {
        ArgumentNullException.ThrowIfNull(spec);
        ArgumentNullException.ThrowIfNull(cpuInfo);
        if (cuda) return spec.PeakFlopsCuda;
        if (spec.PeakFlopsCpu is { } configured) return configured;
        return Cpu(cpuInfo) is { } perThread ? perThread * Math.Max(1, threads) : null;
    }

    /// <summary>One core's fp32 peak from <c>/proc/cpuinfo</c>: its first processor's clock and vector flags.</summary>
    public static double? Cpu(string cpuInfo)
    {
        ArgumentNullException.ThrowIfNull(cpuInfo);
        double? megahertz = null;
        string flags = "";
        foreach (string line in cpuInfo.Split('\n'))
        {
            int colon = line.IndexOf(':', StringComparison.Ordinal);
            if (colon < 0) continue;
            string key = line[..colon].Trim(), value = line[(colon + 1)..].Trim();
            if (key == "cpu MHz" && megahertz is null && double.TryParse(value, NumberStyles.Float, CultureInfo.InvariantCulture, out double mhz)) megahertz = mhz;
            else if (key == "flags" && flags.Length == 0) flags = " " + value + " ";
        }
        if (megahertz is not > 0) return null;
        int lanes = flags.Contains(" avx512f ", StringComparison.Ordinal) ? 16
            : flags.Contains(" avx2 ", StringComparison.Ordinal) && flags.Contains(" fma ", StringComparison.Ordinal) ? 8
            : 4;
        // Two FMA pipes per core on the cores of the last decade; without FMA a multiply and an add issue separately.
        return lanes * 2.0 * 2.0 * megahertz.Value * 1e6;
    }
}
