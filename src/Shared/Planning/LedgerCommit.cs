namespace Cluster.Shared.Planning;

/// <summary>The outcome of committing a step's batches: the new ledger, and which ids were new or already committed.</summary>
public sealed record LedgerCommit(Ledger Ledger, IReadOnlyList<string> Accepted, IReadOnlyList<string> Duplicates);
