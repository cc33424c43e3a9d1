namespace Cluster.Shared.Actors;

/// <summary>
/// Where an actor system lives: <c>cluster://name</c> for a local-only system,
/// <c>cluster.tcp://name@host:port</c> for one reachable over remoting.
/// </summary>
public sealed record Address(string Protocol, string System, string? Host = null, int? Port = null)
{
    public const string LocalProtocol = "cluster";
    public const string TcpProtocol = "cluster.tcp";

    public bool HasHostAndPort => Host is not null && Port is not null;

    public override string ToString() =>
        HasHostAndPort ? $"{Protocol}://{System}@{FormatHost(Host!)}:{Port}" : $"{Protocol}://{System}";

    /// <summary>Parses the address at the start of <paramref name="text"/>; the rest (the path) is returned.</summary>
    public static Address Parse(string text, out string rest)
    {
        ArgumentNullException.ThrowIfNull(text);
        var schemeEnd = text.IndexOf("://", StringComparison.Ordinal);
        if (schemeEnd <= 0)
        {
            throw new FormatException($"actor address '{text}': missing '<protocol>://'");
        }
        var protocol = text[..schemeEnd];
        if (protocol is not (LocalProtocol or TcpProtocol))
        {
            throw new FormatException($"actor address '{text}': unknown protocol '{protocol}'");
        }
        var afterScheme = text[(schemeEnd + 3)..];
        var slash = afterScheme.IndexOf('/');
        var authority = slash < 0 ? afterScheme : afterScheme[..slash];
        rest = slash < 0 ? "" : afterScheme[slash..];
        if (protocol == LocalProtocol)
        {
            return ActorNames.IsValidSystemName(authority)
                ? new Address(protocol, authority)
                : throw new FormatException($"actor address '{text}': invalid system name '{authority}'");
        }
        var at = authority.IndexOf('@');
        var colon = authority.LastIndexOf(':');
        if (at <= 0 || colon < at)
        {
            throw new FormatException($"actor address '{text}': expected '{TcpProtocol}://system@host:port'");
        }
        var system = authority[..at];
        if (!ActorNames.IsValidSystemName(system))
        {
            throw new FormatException($"actor address '{text}': invalid system name '{system}'");
        }
        var host = authority[(at + 1)..colon].Trim('[', ']');
        if (host.Length == 0 || !int.TryParse(authority[(colon + 1)..], out var port) || port is < 0 or > 65535)
        {
            throw new FormatException($"actor address '{text}': invalid host or port");
        }
        return new Address(protocol, system, host, port);
    }

    private static string FormatHost(string host) => host.Contains(':') ? $"[{host}]" : host;
}
