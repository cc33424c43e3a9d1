namespace Cluster.Shared.Jobs;

/// <summary>Which model the job trains; exactly one of <see cref="Whisper"/> and <see cref="TFGridNetV2"/> is set.</summary>
public sealed record ModelSpec
{
    public WhisperModelSpec? Whisper { get; init; }

    public TFGridNetV2ModelSpec? TFGridNetV2 { get; init; }

    public ModelKind Kind => Whisper is not null ? ModelKind.Whisper : ModelKind.TFGridNetV2;
}
