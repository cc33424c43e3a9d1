using Cluster.Speech.Models.GridNet;

namespace Cluster.Shared.Jobs;

/// <summary>A TF-GridNetV2 model: a preset with optional overrides of ESPnet's separator arguments.</summary>
public sealed record TFGridNetV2ModelSpec
{
    /// <summary>"speech16k" (our 16 kHz model) or "espnet8k" (ESPnet's wsj0-2mix recipe).</summary>
    public string Preset { get; init; } = "speech16k";

    /// <summary>The preset with the spec's overrides applied, already validated.</summary>
    public TFGridNetV2Config Config { get; init; } = TFGridNetV2Config.Speech16k;

    /// <summary>A checkpoint directory to start from, if any.</summary>
    public string? Pretrained { get; init; }
}
