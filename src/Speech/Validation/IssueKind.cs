namespace Cluster.Speech.Validation;

/// <summary>
/// What validation found wrong with one item. Every kind but <see cref="Clipped"/> is blocking: the item is
/// quarantined (listed for the data loader to skip) because training on it would either crash a node or teach the
/// model something false. See <see cref="IssueKinds.IsBlocking"/>.
/// </summary>
public enum IssueKind
{
    /// <summary>The audio cannot be read: missing, empty, truncated, corrupt or in an unsupported format.</summary>
    Unreadable,

    /// <summary>The audio holds NaN or infinite samples, which turn every loss and gradient they touch into NaN.</summary>
    NonFinite,

    /// <summary>The audio's peak is below the silence threshold: there is nothing to hear, so nothing to learn.</summary>
    Silent,

    /// <summary>More than the allowed fraction of samples sits at full scale. A warning: clipped speech is still speech.</summary>
    Clipped,

    /// <summary>The clip is longer than Whisper's 30 s window (ASR only): training would silently cut the audio but not
    /// the transcript.</summary>
    TooLong,

    /// <summary>The transcript is empty after trimming (ASR only).</summary>
    EmptyTranscript,

    /// <summary>The transcript's label sequence (prompt, text, end-of-text) exceeds the decoder's context (ASR only).</summary>
    TranscriptTooLong,

    /// <summary>The noisy and clean recordings of a pair differ in length (enhancement only).</summary>
    LengthMismatch,

    /// <summary>The SI-SNR of the noisy recording against the clean one is implausibly low (enhancement only): the
    /// pair is misaligned, mis-scaled or not the same speech.</summary>
    ImplausibleSiSnr,
}
