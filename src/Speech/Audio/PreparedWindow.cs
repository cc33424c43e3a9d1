namespace Cluster.Speech.Audio;

/// <summary>One window cut from a source; one line of the manifest.</summary>
/// <param name="Audio">The window's WAV file, relative to the manifest's folder, with '/' separators.</param>
/// <param name="Duration">Length in seconds.</param>
/// <param name="Offset">Where the window starts in the source, in seconds.</param>
/// <param name="Source">The media file it was cut from, as given.</param>
public sealed record PreparedWindow(string Audio, double Duration, double Offset, string Source);
