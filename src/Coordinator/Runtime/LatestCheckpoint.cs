using Cluster.Coordinator.Jobs;
using Cluster.Shared.Checkpoints;

namespace Cluster.Coordinator.Runtime;

/// <summary>The newest intact checkpoint on disk as a <see cref="RestorePoint"/>: what a restarted coordinator resumes
/// from, and what a torn-down group rolls back to (the one reported last may have been damaged since).</summary>
public static class LatestCheckpoint
{
    /// <summary>Null when <paramref name="root"/> holds no intact checkpoint; every damaged one is logged with its reason
    /// and passed over.</summary>
    public static RestorePoint? Find(string root, Action<string> log)
    {
        ArgumentNullException.ThrowIfNull(log);
        if (!Directory.Exists(root)) return null;
        try
        {
            CheckpointSelection selection = new CheckpointStore(root).LatestValid();
            foreach (CheckpointVerdict rejected in selection.Rejected)
                log($"skipping checkpoint {rejected.Checkpoint.Path}: {rejected.Problem}");
            if (selection.Chosen is not { } chosen) return null;
            var trainerState = TrainerState.Load(Path.Combine(chosen.Checkpoint.Path, CheckpointLayout.TrainerStateFile));
            return new RestorePoint(chosen.Checkpoint.Step, chosen.Checkpoint.Path, trainerState.Ledger);
        }
        catch (Exception error) when (error is IOException or InvalidDataException or UnauthorizedAccessException or System.Text.Json.JsonException)
        {
            log($"cannot read the checkpoints in {root}: {error.Message}");
            return null;
        }
    }
}
