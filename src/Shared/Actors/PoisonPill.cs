namespace Cluster.Shared.Actors;

/// <summary>Stops the receiving actor after the messages queued before it.</summary>
public sealed record PoisonPill
{
    public static PoisonPill Instance { get; } = new();

    private PoisonPill()
    {
    }
}
