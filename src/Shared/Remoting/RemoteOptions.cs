namespace Cluster.Shared.Remoting;

/// <summary>
/// Settings of a system's remoting endpoint. Detection of a dead or frozen peer takes roughly
/// <see cref="AcceptableHeartbeatPause"/> plus a few <see cref="HeartbeatInterval"/>s.
/// </summary>
public sealed record RemoteOptions
{
    public const int MinimumSecretBytes = 16;

    /// <summary>The job's shared secret; every connection proves knowledge of it in both directions.</summary>
    public required byte[] Secret { get; init; }

    public string Host { get; init; } = "127.0.0.1";

    /// <summary>0 picks a free port; <see cref="RemoteTransport.LocalAddress"/> tells which.</summary>
    public int Port { get; init; }

    /// <summary>Message types that may cross the wire; anything else is refused on both ends.</summary>
    public MessageRegistry Messages { get; init; } = new();

    /// <summary>Largest frame accepted or sent; a peer that sends a larger one is disconnected.</summary>
    public int MaximumFrameBytes { get; init; } = 32 * 1024 * 1024;

    public TimeSpan HeartbeatInterval { get; init; } = TimeSpan.FromSeconds(1);

    public TimeSpan AcceptableHeartbeatPause { get; init; } = TimeSpan.FromSeconds(3);

    public double PhiThreshold { get; init; } = 10;

    /// <summary>Floor for the detector's standard deviation, so very regular heartbeats do not make it jumpy.</summary>
    public TimeSpan MinimumStandardDeviation { get; init; } = TimeSpan.FromMilliseconds(100);

    public TimeSpan HandshakeTimeout { get; init; } = TimeSpan.FromSeconds(5);

    /// <summary>Optional mutual TLS around every connection; null sends frames over plain TCP.</summary>
    public RemoteTlsOptions? Tls { get; init; }

    /// <summary>Frames kept for a peer while there is no connection to it; the oldest are dropped beyond this.</summary>
    public int MaximumPendingFrames { get; init; } = 10_000;

    internal void Validate()
    {
        if (Secret is null || Secret.Length < MinimumSecretBytes)
        {
            throw new ArgumentException($"remoting secret: at least {MinimumSecretBytes} bytes are required", nameof(Secret));
        }
        if (!System.Net.IPAddress.TryParse(Host, out _))
        {
            throw new ArgumentException($"remoting host '{Host}': must be an IP address (it is bound and advertised as is)", nameof(Host));
        }
        if (MaximumFrameBytes < 1024)
        {
            throw new ArgumentOutOfRangeException(nameof(MaximumFrameBytes), MaximumFrameBytes, "maximum frame size must be at least 1024 bytes");
        }
        if (HeartbeatInterval <= TimeSpan.Zero || AcceptableHeartbeatPause < TimeSpan.Zero || HandshakeTimeout <= TimeSpan.Zero)
        {
            throw new ArgumentOutOfRangeException(nameof(HeartbeatInterval), "heartbeat interval and handshake timeout must be positive, the pause not negative");
        }
        if (PhiThreshold <= 0 || Port is < 0 or > 65535 || MaximumPendingFrames < 1)
        {
            throw new ArgumentOutOfRangeException(nameof(PhiThreshold), "phi threshold and pending frames must be positive, the port within 0..65535");
        }
    }
}
