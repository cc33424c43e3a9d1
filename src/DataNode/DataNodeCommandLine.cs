using System.CommandLine;
using System.Globalization;
using Cluster.Shared.Cli;
using Cluster.Shared.Protocol;

namespace Cluster.DataNode;

/// <summary>
/// <c>datanode --coordinator ADDR --name data-N [...]</c>: one data node process. The job secret comes from
/// <c>--secret-file</c> or the <c>CLUSTER_SECRET</c> environment variable, never from the command line.
/// </summary>
public static class DataNodeCommandLine
{
    public const string SecretVariable = "CLUSTER_SECRET";

    public static int Run(string[] args, TextWriter output, TextWriter error)
    {
        var coordinator = new Option<string>("--coordinator") { Description = "The coordinator's address, cluster.tcp://coordinator@HOST:PORT", Required = true };
        var name = new Option<string>("--name") { Description = "This node's name (its actor system), e.g. data-1", Required = true };
        var host = new Option<string>("--host") { Description = "IP address to listen on and advertise", DefaultValueFactory = _ => "127.0.0.1" };
        var port = new Option<int>("--port") { Description = "Port to listen on; 0 picks a free one", DefaultValueFactory = _ => 0 };
        var workers = new Option<int>("--workers") { Description = "Batches built at once", DefaultValueFactory = _ => Environment.ProcessorCount };
        var secretFile = new Option<string?>("--secret-file") { Description = $"File holding the job secret (else ${SecretVariable})" };
        var heartbeat = new Option<string>("--heartbeat-interval") { Description = "Remoting heartbeat interval, e.g. 1s or 200ms", DefaultValueFactory = _ => "1s" };
        var pause = new Option<string>("--failure-pause") { Description = "Heartbeat silence tolerated before a peer counts as lost, e.g. 3s", DefaultValueFactory = _ => "3s" };
        var metricsPort = new Option<int?>("--metrics-port") { Description = "Serve /metrics on this port of --host (0 picks a free one)" };
        var root = new RootCommand("A data node of a training cluster: builds the batches trainers request from the shards it owns.");
        foreach (var option in new Option[] { coordinator, name, host, port, workers, secretFile, heartbeat, pause, metricsPort }) root.Options.Add(option);
        root.SetAction(result =>
        {
            var problems = new List<string>();
            var defaults = new DataNodeOptions { Coordinator = "", Name = "" };
            TimeSpan heartbeatInterval = Duration("--heartbeat-interval", result.GetValue(heartbeat)!, defaults.HeartbeatInterval, problems);
            TimeSpan failurePause = Duration("--failure-pause", result.GetValue(pause)!, defaults.FailurePause, problems);
            var options = new DataNodeOptions
            {
                Coordinator = result.GetValue(coordinator)!,
                Name = result.GetValue(name)!,
                Host = result.GetValue(host)!,
                Port = result.GetValue(port),
                Workers = result.GetValue(workers),
                SecretFile = result.GetValue(secretFile),
                HeartbeatInterval = heartbeatInterval,
                FailurePause = failurePause,
                MetricsPort = result.GetValue(metricsPort),
            };
            problems.AddRange(options.Validate());
            if (problems.Count > 0)
            {
                foreach (string problem in problems) error.WriteLine($"datanode: {problem}");
                return ExitCodes.Usage;
            }
            byte[] secret;
            try
            {
                secret = options.SecretFile is { } file ? JobSecret.FromFile(file) : JobSecret.FromEnvironment(SecretVariable);
            }
            catch (InvalidOperationException problem)
            {
                error.WriteLine($"datanode: {problem.Message}");
                return ExitCodes.Usage;
            }
            return DataNodeHost.RunAsync(options, secret, error).GetAwaiter().GetResult();
        });
        var parsed = root.Parse(args);
        if (parsed.Errors.Count > 0)
        {
            foreach (var problem in parsed.Errors) error.WriteLine($"datanode: {problem.Message}");
            return ExitCodes.Usage;
        }
        return parsed.Invoke(new InvocationConfiguration { Output = output, Error = error });
    }

    // "1s", "250ms", "2m": short forms, as the design's command lines write them. An unreadable one is reported once
    // and replaced by the default, so validation does not report it a second time.
    private static TimeSpan Duration(string option, string text, TimeSpan fallback, List<string> problems)
    {
        (string number, double scale) = text switch
        {
            _ when text.EndsWith("ms", StringComparison.Ordinal) => (text[..^2], 1.0),
            _ when text.EndsWith('s') => (text[..^1], 1000.0),
            _ when text.EndsWith('m') => (text[..^1], 60_000.0),
            _ => (text, double.NaN),
        };
        if (double.IsNaN(scale) || !double.TryParse(number, NumberStyles.AllowDecimalPoint, CultureInfo.InvariantCulture, out double value) || !double.IsFinite(value) || value < 0)
        {
            problems.Add($"{option} '{text}': expected a duration such as 1s, 500ms or 2m");
            return fallback;
        }
        return TimeSpan.FromMilliseconds(value * scale);
    }
}
