using Cluster.Speech.Models.Whisper;

namespace Cluster.Shared.Jobs;

/// <summary>
/// A Whisper model: its dimensions come from a released size name, a Hugging Face <c>config.json</c>, inline dims, or
/// (when none of those is given) the <c>config.json</c> of the <see cref="Pretrained"/> checkpoint.
/// </summary>
public sealed record WhisperModelSpec
{
    /// <summary>A released size ("tiny", "base", "small", ...), resolved into <see cref="Dims"/> by the loader.</summary>
    public string? Size { get; init; }

    /// <summary>A Hugging Face <c>config.json</c> to read the dimensions from.</summary>
    public string? ConfigPath { get; init; }

    /// <summary>The dimensions when the spec gave a size or inline dims; null when they come from a file.</summary>
    public WhisperConfig? Dims { get; init; }

    /// <summary>A Hugging Face checkpoint directory (<c>config.json</c> + <c>model.safetensors</c>) to start from.</summary>
    public string? Pretrained { get; init; }

    /// <summary>A tiktoken rank file or a Hugging Face tokenizer directory; null uses <see cref="Pretrained"/>'s
    /// tokenizer files, or without one the tiktoken files bundled with the cluster (as openai-whisper ships them).</summary>
    public string? Tokenizer { get; init; }

    /// <summary>"transcribe" or "translate": the task token of the decoder prompt.</summary>
    public string Task { get; init; } = "transcribe";
}
