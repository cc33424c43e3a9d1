namespace Cluster.Speech.Validation;

/// <summary>Severity and wording of each <see cref="IssueKind"/>.</summary>
public static class IssueKinds
{
    /// <summary>
    /// True for kinds that quarantine their item. Clipping alone does not: a clipped recording still pairs the right
    /// words with the right sounds, corpora such as Common Voice hold many, and dropping them would bias the data
    /// towards quiet speakers; it is counted and reported so a corpus where it is common gets looked at.
    /// </summary>
    public static bool IsBlocking(this IssueKind kind) => kind != IssueKind.Clipped;

    /// <summary>A few words for tables and logs.</summary>
    public static string Describe(this IssueKind kind) => kind switch
    {
        IssueKind.Unreadable => "unreadable audio",
        IssueKind.NonFinite => "NaN/Inf samples",
        IssueKind.Silent => "silent audio",
        IssueKind.Clipped => "clipped audio",
        IssueKind.TooLong => "clip over the length limit",
        IssueKind.EmptyTranscript => "empty transcript",
        IssueKind.TranscriptTooLong => "transcript over the token limit",
        IssueKind.LengthMismatch => "noisy/clean length mismatch",
        IssueKind.ImplausibleSiSnr => "implausible noisy/clean SI-SNR",
        _ => throw new ArgumentOutOfRangeException(nameof(kind), kind, "unknown issue kind"),
    };
}
