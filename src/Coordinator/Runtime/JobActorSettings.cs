using Cluster.Coordinator.Jobs;

namespace Cluster.Coordinator.Runtime;

/// <summary>What the job actor is started with.</summary>
/// <param name="JobYaml">The spec's text, sent to every node so all read the same job.</param>
/// <param name="JobDirectory">The directory the spec's relative paths resolve against.</param>
/// <param name="CheckpointRoot">Where rank 0 writes checkpoints (the spec's checkpointing.directory).</param>
/// <param name="Launcher">Starts node processes in the embedded mode; null when nodes are started elsewhere.</param>
/// <param name="FormGrace">How long a group waits for the expected trainers (or a replacement) before it forms with
/// those that are there.</param>
/// <param name="ShutdownGrace">How long finished nodes get to exit by themselves.</param>
/// <param name="StopTimeout">How long a pause or stop waits for the checkpoint of the current step
/// (checkpointing.stop_timeout) before it falls back to the last complete one.</param>
/// <param name="RunDirectory">Where the commits (<c>commits.jsonl</c>, one line per StepCommitted received, with the time
/// it was received), the evaluations (<c>evaluations.jsonl</c>, one line per EvaluationDone), the curves drawn from
/// both at the end (<see cref="RunCurves"/>) and the final status (<c>status.json</c>) are written, so a run can be
/// audited after it ended.</param>
public sealed record JobActorSettings(
    string JobName,
    string JobYaml,
    string JobDirectory,
    string CheckpointRoot,
    JobState Initial,
    INodeLauncher? Launcher,
    StatusBoard Board,
    TimeSpan FormGrace,
    TimeSpan ShutdownGrace,
    TimeSpan StopTimeout,
    string RunDirectory,
    Action<string> Log)
{
    /// <summary>Builds a DataNode runs at once (<c>cluster.data_node_workers</c>, else the machine's cores): what one
    /// node supplies, for the estimate of the DataNodes needed.</summary>
    public int DataNodeWorkers { get; init; } = Environment.ProcessorCount;
}
