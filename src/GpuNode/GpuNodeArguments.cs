namespace Cluster.GpuNode;

/// <summary>The command line of <c>gpunode</c>.</summary>
public sealed record GpuNodeArguments(string Coordinator, string Name, string Device, string Host, int Port, string? SecretFile,
    TimeSpan HeartbeatInterval, TimeSpan FailurePause)
{
    /// <summary>Serve <c>/metrics</c> on this port of <see cref="Host"/> (0: a free one); null serves none.</summary>
    public int? MetricsPort { get; init; }

    public const string Usage =
        "usage: gpunode --coordinator cluster.tcp://coordinator@HOST:PORT --name gpu-N --device cpu|cuda:K [--host 127.0.0.1] [--port 0] [--secret-file F] [--heartbeat-interval 1s] [--failure-pause 3s] [--metrics-port N]";

    /// <exception cref="ArgumentException">An option is unknown, repeated, missing its value or malformed; the message names it.</exception>
    public static GpuNodeArguments Parse(IReadOnlyList<string> args)
    {
        ArgumentNullException.ThrowIfNull(args);
        var values = new Dictionary<string, string>(StringComparer.Ordinal);
        string[] known = ["--coordinator", "--name", "--device", "--host", "--port", "--secret-file", "--heartbeat-interval", "--failure-pause", "--metrics-port"];
        for (int i = 0; i < args.Count; i++)
        {
            string option = args[i];
            if (!known.Contains(option)) throw new ArgumentException($"unknown option '{option}'");
            if (i + 1 >= args.Count) throw new ArgumentException($"option {option} needs a value");
            if (!values.TryAdd(option, args[++i])) throw new ArgumentException($"option {option} is given twice");
        }
        string Required(string option) => values.TryGetValue(option, out var value) && value.Length > 0
            ? value : throw new ArgumentException($"option {option} is required");
        string coordinator = Required("--coordinator");
        if (!coordinator.StartsWith("cluster.tcp://coordinator@", StringComparison.Ordinal))
            throw new ArgumentException($"--coordinator '{coordinator}' is not cluster.tcp://coordinator@HOST:PORT");
        string device = Required("--device");
        if (device != "cpu" && !(device.StartsWith("cuda:", StringComparison.Ordinal) && int.TryParse(device[5..], out int index) && index >= 0))
            throw new ArgumentException($"--device '{device}' is neither cpu nor cuda:K");
        int port = PortOption(values, "--port") ?? 0;
        return new GpuNodeArguments(coordinator.TrimEnd('/'), Required("--name"), device, values.GetValueOrDefault("--host", "127.0.0.1"), port,
            values.GetValueOrDefault("--secret-file"), Duration(values, "--heartbeat-interval", TimeSpan.FromSeconds(1)),
            Duration(values, "--failure-pause", TimeSpan.FromSeconds(3))) { MetricsPort = PortOption(values, "--metrics-port") };
    }

    private static int? PortOption(Dictionary<string, string> values, string option)
    {
        if (!values.TryGetValue(option, out var text)) return null;
        return int.TryParse(text, out int port) && port is >= 0 and <= 65535 ? port : throw new ArgumentException($"{option} '{text}' is not a port number (0-65535)");
    }

    private static TimeSpan Duration(Dictionary<string, string> values, string option, TimeSpan fallback)
    {
        if (!values.TryGetValue(option, out var text)) return fallback;
        double scale = text.EndsWith("ms", StringComparison.Ordinal) ? 0.001 : text.EndsWith('s') ? 1 : double.NaN;
        string digits = text.EndsWith("ms", StringComparison.Ordinal) ? text[..^2] : text.EndsWith('s') ? text[..^1] : text;
        if (double.IsNaN(scale) || !double.TryParse(digits, System.Globalization.CultureInfo.InvariantCulture, out double amount) || !(amount > 0))
            throw new ArgumentException($"{option} '{text}' is not a positive duration such as 500ms or 2s");
        return TimeSpan.FromSeconds(amount * scale);
    }
}
