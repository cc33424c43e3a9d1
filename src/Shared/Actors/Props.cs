namespace Cluster.Shared.Actors;

/// <summary>How to create an actor: a factory, called again for every restart.</summary>
public sealed class Props
{
    private Props(Func<ActorBase> factory, string description)
    {
        Factory = factory;
        Description = description;
    }

    public Func<ActorBase> Factory { get; }

    public string Description { get; }

    public static Props Create<TActor>()
        where TActor : ActorBase, new() => new(() => new TActor(), typeof(TActor).Name);

    public static Props Create<TActor>(Func<TActor> factory)
        where TActor : ActorBase
    {
        ArgumentNullException.ThrowIfNull(factory);
        return new Props(factory, typeof(TActor).Name);
    }
}
