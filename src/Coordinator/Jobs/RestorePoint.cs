using Cluster.Shared.Planning;

namespace Cluster.Coordinator.Jobs;

/// <summary>A complete checkpoint the trainers can resume from, with the ledger cursor it saved.</summary>
public sealed record RestorePoint(long Step, string Directory, LedgerCursor Cursor);
