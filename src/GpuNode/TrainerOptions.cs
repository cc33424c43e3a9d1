namespace Cluster.GpuNode;

/// <summary>What the trainer actor needs to know about its node.</summary>
/// <param name="CoordinatorJobPath">The coordinator's job actor, e.g. cluster.tcp://coordinator@127.0.0.1:5000/user/job.</param>
/// <param name="Name">The node's name (gpu-0), unique in the job.</param>
/// <param name="Device">"cpu" or "cuda:K".</param>
/// <param name="CollectiveTimeout">How long a collective may wait on a peer before the step fails.</param>
public sealed record TrainerOptions(string CoordinatorJobPath, string Name, string Device, TimeSpan CollectiveTimeout);
