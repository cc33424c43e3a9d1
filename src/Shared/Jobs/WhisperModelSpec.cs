using Cluster.Speech.Batching;
using Cluster.Speech.Models.Whisper;
using Cluster.Speech.Text;

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

    public WhisperTask DecoderTask => Task == "translate" ? WhisperTask.Translate : WhisperTask.Transcribe;

    /// <summary>
    /// The model's dimensions, decided here for DataNodes (feature frames, label length), trainers and evaluators alike:
    /// the size or inline dims, else the config file, else the pretrained checkpoint's <c>config.json</c>. The loader
    /// refuses a pretrained checkpoint together with any of the others, so the order cannot pick a different model.
    /// </summary>
    /// <exception cref="InvalidDataException">The config file is missing or malformed.</exception>
    public WhisperConfig LoadConfig()
    {
        if (Dims is { } dims) return dims;
        string path = ConfigPath ?? (Pretrained is { } pretrained ? Path.Combine(pretrained, "config.json")
            : throw new InvalidDataException("model.whisper names no size, config, dims or pretrained checkpoint"));
        return WhisperConfig.Load(path);
    }

    /// <summary>How batches for this model are built from a job's clips, for training (DataNodes) and evaluation
    /// (trainers, <c>cluster eval</c>) alike: the decoder prompt, the model's input window and mel bins, and the label
    /// length (the job's <c>batching.max_tokens</c> within the model's text context).</summary>
    public WhisperBatchOptions BatchOptions(WhisperConfig config, string? language, int? maxTokens)
    {
        ArgumentNullException.ThrowIfNull(config);
        return new WhisperBatchOptions
        {
            Language = language,
            Task = DecoderTask,
            Frames = config.InputFrames,
            MelBins = config.NumMelBins,
            MaxLabelTokens = Math.Min(maxTokens ?? WhisperTokenizer.DefaultMaxLength, Math.Min(config.MaxTargetPositions, WhisperTokenizer.DefaultMaxLength)),
        };
    }

    /// <summary>
    /// The tokenizer of the job: <see cref="Tokenizer"/>, else the <see cref="Pretrained"/> checkpoint's Hugging Face
    /// files, else the bundled tiktoken files; with as many language tokens as a vocabulary of
    /// <paramref name="vocabularySize"/> holds (large-v3 has one more). DataNodes label with it and trainers and
    /// <c>cluster eval</c> decode with it, so the token ids mean the same on both sides.
    /// </summary>
    /// <exception cref="InvalidDataException">The tokenizer file or folder is missing or malformed.</exception>
    public WhisperTokenizer LoadTokenizer(int vocabularySize)
    {
        int languages = WhisperTokenizer.LanguageCountForVocabulary(vocabularySize);
        if (Tokenizer is { } tokenizer)
        {
            if (Directory.Exists(tokenizer)) return WhisperTokenizer.FromHuggingFace(tokenizer, languages);
            if (File.Exists(tokenizer)) return WhisperTokenizer.FromTiktoken(tokenizer, languages);
            throw new InvalidDataException($"model.whisper.tokenizer '{tokenizer}': no such file or directory");
        }

        if (Pretrained is { } pretrained && File.Exists(Path.Combine(pretrained, "vocab.json")))
            return WhisperTokenizer.FromHuggingFace(pretrained, languages);
        return WhisperTokenizer.Bundled(vocabularySize);
    }
}
