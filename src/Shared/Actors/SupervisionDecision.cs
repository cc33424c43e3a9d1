namespace Cluster.Shared.Actors;

/// <summary>A supervisor's answer to one failure: the directive and, for a restart, how long to wait first.</summary>
public sealed record SupervisionDecision(Directive Directive, TimeSpan Delay);
