namespace Cluster.Shared.Planning;

/// <summary>Plan positions [<see cref="Start"/>, <see cref="Start"/> + <see cref="Count"/>) whose batches are committed.</summary>
public sealed record CommittedRange(int Start, int Count);
