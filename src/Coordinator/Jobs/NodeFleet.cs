using Cluster.Shared.Protocol;

namespace Cluster.Coordinator.Jobs;

/// <summary>
/// The embedded mode's decisions about processes, without actors: which data nodes to start or retire for a scale,
/// whether a lost node is replaced, and which trainers must be restarted. <see cref="Runtime.JobActor"/> calls these and
/// runs what they say through its launcher.
/// </summary>
public static class NodeFleet
{
    /// <summary>
    /// Scaling the data nodes to <paramref name="count"/>: new ones are named data-N from the highest index in use (or
    /// <paramref name="nextIndex"/>, if higher) so that a name is never reused by a different process; retiring takes
    /// the newest first, so the longest-running nodes (warm caches, whole shards) stay.
    /// </summary>
    public static ScalePlan Scale(IReadOnlyCollection<string> dataNodes, int count, int nextIndex)
    {
        ArgumentNullException.ThrowIfNull(dataNodes);
        ArgumentOutOfRangeException.ThrowIfLessThan(count, 1);
        int next = Math.Max(nextIndex, dataNodes.Select(Index).DefaultIfEmpty(-1).Max() + 1);
        var launch = Enumerable.Range(next, Math.Max(0, count - dataNodes.Count)).Select(i => $"data-{i}").ToList();
        var retire = dataNodes.OrderByDescending(Index).ThenByDescending(n => n, StringComparer.Ordinal).Take(Math.Max(0, dataNodes.Count - count)).ToList();
        return new ScalePlan(launch, retire, next + launch.Count);
    }

    /// <summary>
    /// A lost trainer is started again under its name (the group re-forms with it); a lost data node is not: its shards
    /// move to the others, and the autoscaler or the user decides how many there are.
    /// </summary>
    public static bool ReplacesLost(NodeRole role, JobPhase phase) => role == NodeRole.Gpu && phase != JobPhase.Finished;

    /// <summary>
    /// The trainers to restart after a transition: a group torn down after training, with no checkpoint to roll back to,
    /// goes back to the initial weights, and a trainer cannot unlearn, so every trainer needs a fresh process (the
    /// replacement of lost trainers then starts it). Otherwise none.
    /// </summary>
    public static IReadOnlyList<string> TrainersToRestart(long stepBefore, JobTransition transition)
    {
        ArgumentNullException.ThrowIfNull(transition);
        var after = transition.State;
        bool rolledBackToStart = stepBefore > 0 && after.ResumeFrom is null && after.CompletedStep == 0
            && transition.Messages.Any(m => m.Message is AbortGroup);
        return rolledBackToStart ? after.Trainers : [];
    }

    private static int Index(string name) => int.TryParse(name.AsSpan(name.LastIndexOf('-') + 1), out int index) ? index : -1;
}

/// <summary>The data nodes to start and to retire, and the index the next new one gets.</summary>
public sealed record ScalePlan(IReadOnlyList<string> Launch, IReadOnlyList<string> Retire, int NextIndex);
