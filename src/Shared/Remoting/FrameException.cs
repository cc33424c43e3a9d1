namespace Cluster.Shared.Remoting;

/// <summary>A frame broke the wire protocol (too large, truncated, not a Frame); its connection is closed.</summary>
public sealed class FrameException(string message, Exception? inner = null) : Exception(message, inner);
