using Cluster.Shared.Actors;
using Cluster.Shared.Cli;
using Cluster.Shared.Observability;
using Cluster.Shared.Protocol;
using Cluster.Shared.Remoting;

namespace Cluster.GpuNode;

/// <summary>The <c>gpunode</c> process: one actor system named after the node, holding <c>/user/trainer</c>, until the
/// trainer ends it (stopped, or its coordinator lost).</summary>
public static class GpuNodeProgram
{
    public static async Task<int> RunAsync(string[] args, TextWriter error)
    {
        ArgumentNullException.ThrowIfNull(error);
        GpuNodeArguments arguments;
        byte[] secret;
        try
        {
            arguments = GpuNodeArguments.Parse(args);
        }
        catch (ArgumentException e)
        {
            await error.WriteLineAsync($"gpunode: {e.Message}\n{GpuNodeArguments.Usage}").ConfigureAwait(false);
            return ExitCodes.Usage;
        }
        try
        {
            secret = arguments.SecretFile is { } file ? JobSecret.FromFile(file) : JobSecret.FromEnvironment("CLUSTER_SECRET");
        }
        catch (InvalidOperationException e)
        {
            await error.WriteLineAsync($"gpunode: {e.Message}").ConfigureAwait(false);
            return ExitCodes.Usage;
        }

        await using var metrics = arguments.MetricsPort is int metricsPort ? await StartMetricsAsync(arguments, metricsPort, error).ConfigureAwait(false) : null;
        if (arguments.MetricsPort is not null && metrics is null) return ExitCodes.Failure;
        var exit = new NodeExit();
        await using var system = ActorSystem.Create(arguments.Name, new ActorSystemOptions
        {
            Remote = new RemoteOptions
            {
                Secret = secret,
                Host = arguments.Host,
                Port = arguments.Port,
                Messages = ClusterMessages.CreateRegistry(),
                HeartbeatInterval = arguments.HeartbeatInterval,
                AcceptableHeartbeatPause = arguments.FailurePause,
            },
        });
        var options = new TrainerOptions($"{arguments.Coordinator}/user/job", arguments.Name, arguments.Device, TimeSpan.FromMinutes(5));
        system.ActorOf(Props.Create(() => new TrainerActor(options, exit)), "trainer");
        await system.WhenTerminated.ConfigureAwait(false);
        return exit.Code;
    }

    private static async Task<MetricsEndpoint?> StartMetricsAsync(GpuNodeArguments arguments, int port, TextWriter error)
    {
        try
        {
            var endpoint = await MetricsEndpoint.StartAsync(new MetricsEndpointOptions("cluster-trainer", [TrainerMetrics.MeterName])
            {
                Address = System.Net.IPAddress.Parse(arguments.Host),
                Port = port,
                Attributes = new Dictionary<string, object> { ["node"] = arguments.Name },
            }).ConfigureAwait(false);
            await error.WriteLineAsync($"{arguments.Name}: metrics at {endpoint.Url}").ConfigureAwait(false);
            return endpoint;
        }
        catch (IOException e)
        {
            await error.WriteLineAsync($"gpunode: {e.Message}").ConfigureAwait(false);
            return null;
        }
    }
}
