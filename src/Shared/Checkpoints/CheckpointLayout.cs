namespace Cluster.Shared.Checkpoints;

/// <summary>The names inside a checkpoint directory (DESIGN.md §6), shared by writers, readers and the store.</summary>
public static class CheckpointLayout
{
    /// <summary>Model weights under Hugging Face names, so a Whisper checkpoint loads in <c>transformers</c>.</summary>
    public const string ModelFile = "model.safetensors";

    public const string OptimizerFile = "optimizer.safetensors";

    public const string TrainerStateFile = "trainer_state.json";

    /// <summary>The model's dims/config, from which the model is rebuilt.</summary>
    public const string ConfigFile = "config.json";

    /// <summary>Sizes and SHA-256 of every other file; written last, so its presence means the rest is complete.</summary>
    public const string ManifestFile = "manifest.json";

    public const string DirectoryPrefix = "checkpoint-";

    /// <summary>What a checkpoint needs to resume training.</summary>
    public static IReadOnlyList<string> RequiredFiles { get; } = [ModelFile, OptimizerFile, TrainerStateFile, ConfigFile];

    public static string DirectoryName(long step)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(step);
        return $"{DirectoryPrefix}{step}";
    }

    /// <summary>The step of a directory named <c>checkpoint-&lt;step&gt;</c> (digits, no leading zeros), else null.</summary>
    public static long? StepOf(string directoryName)
    {
        ArgumentNullException.ThrowIfNull(directoryName);
        if (!directoryName.StartsWith(DirectoryPrefix, StringComparison.Ordinal)) return null;
        string digits = directoryName[DirectoryPrefix.Length..];
        // One spelling per step, so "checkpoint-0500" cannot shadow "checkpoint-500".
        if (digits.Length == 0 || !digits.All(char.IsAsciiDigit) || (digits.Length > 1 && digits[0] == '0')) return null;
        return long.TryParse(digits, out long step) ? step : null;
    }
}
