using Cluster.Speech.Data;

namespace Cluster.Speech.Batching;

/// <summary>How a data node turns recordings into TF-GridNetV2 training batches of fixed-length crops.</summary>
public sealed record EnhancementBatchOptions
{
    /// <summary>Samples per crop, e.g. 4 s at 16 kHz = 64000.</summary>
    public int CropSamples
    {
        get;
        init => field = value > 0 ? value : throw new ArgumentOutOfRangeException(nameof(CropSamples), value, "must be positive");
    } = 64000;

    /// <summary>Rate every recording is resampled to.</summary>
    public int SampleRate
    {
        get;
        init => field = value > 0 ? value : throw new ArgumentOutOfRangeException(nameof(SampleRate), value, "must be positive");
    } = 16000;

    /// <summary>The job's seed; crops and mixtures derive from it, the epoch and the batch id only.</summary>
    public ulong Seed { get; init; }

    /// <summary>When set, clean speech is mixed with these noises on the fly instead of reading noisy recordings.</summary>
    public NoiseMixer? Mixer { get; init; }

    public IReadOnlyList<float[]> Noises { get; init; } = [];
}
