namespace Cluster.Shared.Jobs;

/// <summary>
/// What the job's processes export besides their <c>/metrics</c>: OTLP (metrics and traces) when an endpoint is set,
/// and the peak rate each device type is measured against for MFU.
/// </summary>
public sealed record ObservabilitySpec
{
    /// <summary>An OTLP collector (gRPC, <c>http://host:4317</c>); null exports nothing over OTLP and records no traces.</summary>
    public Uri? OtlpEndpoint { get; init; }

    /// <summary>The share of steps and batch builds traced when OTLP is on (a trace per step is more than anyone reads).</summary>
    public double TraceSampleRatio { get; init; } = 0.1;

    /// <summary>Peak FLOP/s of one CPU trainer's device; null: estimated from the cores the trainer uses and their clock.</summary>
    public double? PeakFlopsCpu { get; init; }

    /// <summary>Peak FLOP/s of one GPU; null: looked up from the device's name (dense bf16/fp16 tensor-core rates).</summary>
    public double? PeakFlopsCuda { get; init; }
}
