namespace Cluster.Shared.Actors.Internal;

internal readonly record struct Envelope(object Message, IActorRef Sender);
