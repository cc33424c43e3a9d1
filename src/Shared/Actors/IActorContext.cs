namespace Cluster.Shared.Actors;

/// <summary>What an actor sees of itself and the runtime while it handles a message.</summary>
public interface IActorContext
{
    IActorRef Self { get; }

    /// <summary>The sender of the current message; <see cref="ActorRefs.Nobody"/> when there is none.</summary>
    IActorRef Sender { get; }

    IActorRef Parent { get; }

    IReadOnlyCollection<IActorRef> Children { get; }

    ActorSystem System { get; }

    ITimerScheduler Timers { get; }

    IStash Stash { get; }

    IActorRef ActorOf(Props props, string? name = null);

    IActorRef? Child(string name);

    /// <summary>Delivers <see cref="Terminated"/> once <paramref name="actor"/> stops (or its node is lost).</summary>
    IActorRef Watch(IActorRef actor);

    IActorRef Unwatch(IActorRef actor);

    /// <summary>Stops a child or this actor itself; other actors are stopped through a message.</summary>
    void Stop(IActorRef actor);
}
