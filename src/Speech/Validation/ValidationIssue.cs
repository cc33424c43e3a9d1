namespace Cluster.Speech.Validation;

/// <summary>One problem of one manifest item.</summary>
/// <param name="ItemId">The utterance or pair id, as the manifest has it.</param>
/// <param name="Path">The file at fault; for a problem of a pair as a whole, the noisy recording.</param>
/// <param name="Detail">The reason in words, with the measured value and the limit it broke.</param>
public sealed record ValidationIssue(string ItemId, string Path, IssueKind Kind, string Detail)
{
    public bool IsBlocking => Kind.IsBlocking();
}
