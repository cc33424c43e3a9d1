namespace Cluster.Coordinator.Runtime;

/// <summary>Messages the job actor takes from the HTTP API and from its own timers (the protocol of the job actor
/// besides the nodes' messages in coordinator.proto).</summary>
public static class JobCommands
{
    /// <summary>Run exactly <see cref="Count"/> data nodes (embedded mode): start new ones or retire the newest.</summary>
    public sealed record ScaleDataNodes(int Count);

    /// <summary>Pause; with <see cref="Checkpoint"/> the current step is checkpointed first (the reply says where).</summary>
    public sealed record Pause(bool Checkpoint = true);

    public sealed record Resume;

    /// <summary>End the job; with <see cref="Checkpoint"/> the current step is checkpointed first.</summary>
    public sealed record Stop(string Reason, bool Checkpoint = true);

    /// <summary>The answer to a command: accepted, or refused with the reason.</summary>
    public sealed record Reply(bool Accepted, string Message);

    /// <summary>The wait for the expected trainers (or a replacement) is over: form the group with who is there.</summary>
    public sealed record FormGraceElapsed;

    /// <summary>Shards were assigned a moment ago: tell the trainers the owners again (see JobState.OwnersAgain).</summary>
    public sealed record OwnersSettled;

    /// <summary>A node process this coordinator started has exited.</summary>
    public sealed record NodeExited(string Name, int ProcessId, int ExitCode);

    /// <summary>A pause or stop of <see cref="Generation"/> had checkpointing.stop_timeout to checkpoint its step.</summary>
    public sealed record HoldTimedOut(long Generation);

    /// <summary>The nodes had their time to exit after the job finished.</summary>
    public sealed record ShutdownGraceElapsed;
}
