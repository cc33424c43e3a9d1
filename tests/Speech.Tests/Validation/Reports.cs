using Cluster.Speech.Validation;

namespace Cluster.Speech.Tests.Validation;

/// <summary>Reports built from issues directly, for tests of what is decided from them.</summary>
internal static class Reports
{
    public static ValidationReport With(int items, params (string Id, IssueKind Kind)[] issues) =>
        new("test manifest",
            new ValidationSummary(items, 1.5, new Dictionary<int, int> { [16000] = items }, new Dictionary<int, int> { [1] = items }),
            issues.Select(issue => new ValidationIssue(issue.Id, $"/data/{issue.Id}.wav", issue.Kind, "planted")));

    /// <summary><paramref name="count"/> items with one issue of <paramref name="kind"/> each.</summary>
    public static (string Id, IssueKind Kind)[] Many(int count, IssueKind kind, string prefix = "item") =>
        [.. Enumerable.Range(0, count).Select(i => ($"{prefix}{i}", kind))];
}
