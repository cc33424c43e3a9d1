using Cluster.DataNode.Batches;
using Cluster.Shared.Actors;
using Cluster.Shared.Cli;
using Cluster.Shared.Observability;
using Cluster.Shared.Protocol;
using Cluster.Shared.Remoting;

namespace Cluster.DataNode;

/// <summary>Runs one data node process: its actor system, the main actor, and the exit code the actor decides.</summary>
public static class DataNodeHost
{
    public static async Task<int> RunAsync(DataNodeOptions options, byte[] secret, TextWriter log)
    {
        ArgumentNullException.ThrowIfNull(options);
        void Log(string line)
        {
            lock (log) log.WriteLine($"{DateTime.UtcNow:HH:mm:ss.fff} {options.Name}: {line}");
        }

        using var workers = new WorkerPool(options.Workers);
        var exit = new TaskCompletionSource<int>(TaskCreationOptions.RunContinuationsAsynchronously);
        ActorSystem system;
        try
        {
            system = ActorSystem.Create(options.Name, new ActorSystemOptions
            {
                Log = e =>
                {
                    if (e.Level >= ActorLogLevel.Warning) Log(e.ToString());
                },
                Remote = new RemoteOptions
                {
                    Secret = secret,
                    Host = options.Host,
                    Port = options.Port,
                    Messages = ClusterMessages.CreateRegistry(),
                    HeartbeatInterval = options.HeartbeatInterval,
                    AcceptableHeartbeatPause = options.FailurePause,
                },
            });
        }
        catch (System.Net.Sockets.SocketException error)
        {
            Log($"cannot listen on {options.Host}:{options.Port} (--host, --port): {error.Message}");
            return ExitCodes.Failure;
        }
        using var metrics = new DataNodeMetrics(options.Name);
        metrics.Observe(workers);
        MetricsEndpoint? endpoint = null;
        try
        {
            Log($"listening at {system.Address} with {options.Workers} worker(s)");
            if (options.MetricsPort is int metricsPort)
            {
                endpoint = await MetricsEndpoint.StartAsync(new MetricsEndpointOptions("cluster-data", [DataNodeMetrics.MeterName])
                {
                    Address = System.Net.IPAddress.Parse(options.Host),
                    Port = metricsPort,
                    Attributes = new Dictionary<string, object> { ["node"] = options.Name },
                }).ConfigureAwait(false);
                Log($"metrics at {endpoint.Url}");
            }
            var settings = new DataNodeSettings(options.Name, options.Coordinator, workers, job => BatchProducers.FromJob(job, options.Name), Log)
            {
                Metrics = metrics,
            };
            system.ActorOf(Props.Create(() => new DataNodeActor(settings, exit)), DataNodeActor.Name);
            return await exit.Task.ConfigureAwait(false);
        }
        catch (IOException error)
        {
            Log($"{error.Message} (--metrics-port)");
            return ExitCodes.Failure;
        }
        finally
        {
            // Closing the connections gracefully flushes the batches already handed to them.
            await system.TerminateAsync().ConfigureAwait(false);
            if (endpoint is not null) await endpoint.DisposeAsync().ConfigureAwait(false);
        }
    }
}
