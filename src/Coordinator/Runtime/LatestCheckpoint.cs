using Cluster.Coordinator.Jobs;
using Cluster.Shared.Checkpoints;

namespace Cluster.Coordinator.Runtime;

/// <summary>The newest intact checkpoint on disk as a <see cref="RestorePoint"/>: what a restarted coordinator resumes
/// from, and what a torn-down group rolls back to (the one reported last may have been damaged since).</summary>
public static class LatestCheckpoint
{
    /// <summary>Null when <paramref name="root"/> holds no intact checkpoint; every damaged one is logged with its reason
    /// and passed over.</summary>
    /// <exception cref="IOException">The directory or the chosen checkpoint's state cannot be read.</exception>
    /// <exception cref="InvalidDataException">The chosen checkpoint's trainer state is malformed.</exception>
    public static RestorePoint? Find(string root, Action<string> log)
    {
        ArgumentNullException.ThrowIfNull(log);
        if (!Directory.Exists(root)) return null;
        CheckpointSelection selection = new CheckpointStore(root).LatestValid();
        foreach (CheckpointVerdict rejected in selection.Rejected)
            log($"skipping checkpoint {rejected.Checkpoint.Path}: {rejected.Problem}");
        if (selection.Chosen is not { } chosen) return null;
        var trainerState = TrainerState.Load(Path.Combine(chosen.Checkpoint.Path, CheckpointLayout.TrainerStateFile));
        return new RestorePoint(chosen.Checkpoint.Step, chosen.Checkpoint.Path, trainerState.Ledger);
    }
}
