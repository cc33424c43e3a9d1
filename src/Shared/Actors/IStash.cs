namespace Cluster.Shared.Actors;

/// <summary>
/// Sets the current message aside to handle it later; <see cref="UnstashAll"/> puts all stashed
/// messages, in their original order, in front of the mailbox. A restart unstashes too.
/// </summary>
public interface IStash
{
    void Stash();

    void UnstashAll();
}
