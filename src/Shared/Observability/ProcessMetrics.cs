using System.Diagnostics;
using System.Diagnostics.Metrics;

namespace Cluster.Shared.Observability;

/// <summary>
/// The process's CPU time and resident memory (meter <see cref="MeterName"/>), read at each collection, for the
/// per-process panels: the .NET runtime's own instruments count managed memory only, and a trainer's tensors live in
/// native memory.
/// </summary>
public static class ProcessMetrics
{
    public const string MeterName = "Cluster.Process";

    // Once per process, however many endpoints it starts (tests start several).
    private static readonly Lazy<Meter> Instruments = new(Create);

    /// <summary>Creates the instruments, once per process.</summary>
    public static void EnsureCreated() => _ = Instruments.Value;

    private static Meter Create()
    {
        var meter = new Meter(MeterName);
        meter.CreateObservableCounter("cluster.process.cpu.time", () =>
        {
            using var self = Process.GetCurrentProcess();
            return new Measurement<double>(self.TotalProcessorTime.TotalSeconds);
        }, "s", "CPU time this process used, user and system");
        meter.CreateObservableGauge("cluster.process.resident.memory", () =>
        {
            using var self = Process.GetCurrentProcess();
            return new Measurement<long>(self.WorkingSet64);
        }, "By", "Resident memory of this process (native memory, tensors included)");
        return meter;
    }
}
