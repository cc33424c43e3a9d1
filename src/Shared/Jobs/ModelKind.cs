namespace Cluster.Shared.Jobs;

/// <summary>The models a job can train.</summary>
public enum ModelKind
{
    /// <summary>Speech recognition (fine-tuning a released checkpoint, usually).</summary>
    Whisper,

    /// <summary>Speech enhancement: noisy waveform in, clean waveform out.</summary>
    TFGridNetV2,
}
