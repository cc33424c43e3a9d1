namespace Cluster.Torch.Safetensors;

/// <summary>
/// Bytes that break the safetensors format. The message names the file and the exact rule broken, because "invalid
/// header" alone leaves the user to bisect a multi-gigabyte checkpoint by hand.
/// </summary>
public sealed class SafetensorsFormatException : IOException
{
    public SafetensorsFormatException(string? path, string reason, Exception? innerException = null)
        : base($"{path ?? "<in-memory>"}: {reason}", innerException)
    {
        Path = path;
        Reason = reason;
    }

    /// <summary>The offending file, or null when the bytes did not come from a file.</summary>
    public string? Path { get; }

    /// <summary>The broken rule alone, for callers that add their own context.</summary>
    public string Reason { get; }
}
