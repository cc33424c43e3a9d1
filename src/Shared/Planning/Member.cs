using Cluster.Shared.Protocol;

namespace Cluster.Shared.Planning;

/// <summary>A node in the cluster.</summary>
/// <param name="Incarnation">The membership generation it joined in: a restarted process that reuses its id has a new
/// one, so messages still arriving from the old process can be told apart and dropped.</param>
public sealed record Member(string NodeId, NodeRole Role, string Address, long Incarnation);
