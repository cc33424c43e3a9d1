using Cluster.Shared.Actors;

namespace Cluster.DataNode;

/// <summary>The data node's command line, parsed.</summary>
public sealed record DataNodeOptions
{
    public required string Coordinator { get; init; }

    public required string Name { get; init; }

    public string Host { get; init; } = "127.0.0.1";

    public int Port { get; init; }

    public int Workers { get; init; } = Environment.ProcessorCount;

    public string? SecretFile { get; init; }

    public TimeSpan HeartbeatInterval { get; init; } = TimeSpan.FromSeconds(1);

    public TimeSpan FailurePause { get; init; } = TimeSpan.FromSeconds(3);

    /// <summary>Serve <c>/metrics</c> on this port of <see cref="Host"/> (0: a free one); null serves none.</summary>
    public int? MetricsPort { get; init; }

    /// <summary>Every problem with the options, each naming the option; empty when they are usable.</summary>
    public IReadOnlyList<string> Validate()
    {
        var problems = new List<string>();
        if (MetricsPort is < 0 or > 65535) problems.Add($"--metrics-port {MetricsPort}: not a port number (0-65535)");
        if (!TryParseCoordinator(Coordinator, out string? why)) problems.Add($"--coordinator '{Coordinator}': {why}");
        if (string.IsNullOrEmpty(Name) || !Name.All(c => char.IsAsciiLetterOrDigit(c) || c is '-' or '_'))
            problems.Add($"--name '{Name}': use only ASCII letters, digits, '-' and '_' (it names the node's actor system)");
        if (!System.Net.IPAddress.TryParse(Host, out _)) problems.Add($"--host '{Host}': must be an IP address (it is bound and advertised as is)");
        if (Port is < 0 or > 65535) problems.Add($"--port {Port}: must be 0 (any free port) to 65535");
        if (Workers < 1) problems.Add($"--workers {Workers}: must be at least 1");
        if (HeartbeatInterval <= TimeSpan.Zero) problems.Add("--heartbeat-interval: must be positive");
        if (FailurePause < TimeSpan.Zero) problems.Add("--failure-pause: must not be negative");
        return problems;
    }

    private static bool TryParseCoordinator(string address, out string? why)
    {
        why = "expected cluster.tcp://coordinator@HOST:PORT";
        try
        {
            var parsed = Address.Parse(address, out string rest);
            if (parsed.Protocol == Address.TcpProtocol && parsed.HasHostAndPort && rest.Length == 0) return true;
        }
        catch (FormatException error)
        {
            why = error.Message;
        }
        return false;
    }
}
