namespace Cluster.Speech.Synthesis;

/// <summary>
/// One espeak-ng speaking style: language voice plus variant (<c>m3</c>, <c>f2</c>, <c>croak</c>...),
/// speed in words per minute, pitch 0–99.
/// </summary>
public sealed record EspeakVoice(string Language, string Variant, int WordsPerMinute, int Pitch)
{
    /// <summary>Variants that keep speech intelligible; whisper and robot voices are left out on purpose.</summary>
    public static readonly IReadOnlyList<string> Variants =
        ["m1", "m2", "m3", "m4", "m5", "m6", "m7", "f1", "f2", "f3", "f4", "f5", "klatt", "croak"];

    public string VoiceArgument => $"{Language}+{Variant}";

    /// <summary>A stable speaker label for manifests (Common Voice's client_id plays this role).</summary>
    public string SpeakerId => $"espeak-{Language}-{Variant}";
}
