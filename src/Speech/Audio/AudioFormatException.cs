namespace Cluster.Speech.Audio;

/// <summary>
/// An audio file that cannot be read as asked: missing, empty, truncated, corrupt, in a format nothing
/// here decodes, or asked for a segment it does not have. Data loaders report <see cref="Path"/> and
/// <see cref="Reason"/>, count the file and skip it.
/// </summary>
public sealed class AudioFormatException : IOException
{
    public AudioFormatException(string path, string reason, Exception? innerException = null)
        : base($"{path}: {reason}", innerException)
    {
        Path = path;
        Reason = reason;
    }

    public string Path { get; }

    public string Reason { get; }
}
