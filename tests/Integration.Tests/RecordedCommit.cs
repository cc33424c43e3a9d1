namespace Cluster.Integration.Tests;

/// <summary>One line of a run's <c>commits.jsonl</c>: what a rank committed at a step.</summary>
internal sealed record RecordedCommit(long Generation, int Rank, long Step, IReadOnlyList<string> BatchIds, double Loss);
