namespace Cluster.GpuNode;

/// <summary>How the node process ends, set by the trainer actor before it terminates the actor system.</summary>
public sealed class NodeExit
{
    public int Code { get; private set; }

    public string Reason { get; private set; } = "";

    public void Set(int code, string reason)
    {
        Code = code;
        Reason = reason;
    }
}
