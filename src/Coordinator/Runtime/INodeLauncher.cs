using Cluster.Shared.Protocol;

namespace Cluster.Coordinator.Runtime;

/// <summary>Starts and ends node processes for the embedded mode (absent when nodes are started by someone else).</summary>
public interface INodeLauncher
{
    /// <summary>Starts a node process named <paramref name="name"/> that registers with this coordinator.</summary>
    void Launch(NodeRole role, string name);

    /// <summary>Kills the process now (SIGKILL), so a frozen one cannot come back into an old group.</summary>
    void Kill(string name);

    /// <summary>Names of the processes started and not yet exited.</summary>
    IReadOnlyList<string> Running { get; }
}
