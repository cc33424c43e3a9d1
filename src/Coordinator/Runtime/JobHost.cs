using System.Text;
using Cluster.Coordinator.Api;
using Cluster.Coordinator.Jobs;
using Cluster.Shared.Actors;
using Cluster.Shared.Jobs;
using Cluster.Shared.Observability;
using Cluster.Shared.Planning;
using Cluster.Shared.Protocol;
using NodeRole = Cluster.Shared.Protocol.NodeRole;
using Cluster.Shared.Remoting;
using Cluster.Torch.Distributed;

namespace Cluster.Coordinator.Runtime;

/// <summary>
/// A running coordinator: the actor system <c>coordinator</c> with <c>/user/job</c>, the c10d TCPStore the trainers meet
/// at, the HTTP API, and in the embedded mode the node processes. The run directory (<c>runs/NAME</c> next to the job
/// spec) holds <c>api.url</c>, which <c>cluster status|scale|stop</c> read, and the nodes' logs.
/// </summary>
public sealed class JobHost : IAsyncDisposable
{
    public const string ApiUrlFile = "api.url";
    private static readonly TimeSpan StoreTimeout = TimeSpan.FromMinutes(5);

    private readonly ActorSystem system;
    private readonly TcpStore store;
    private readonly JobApi api;
    private readonly LocalNodeLauncher? launcher;
    private readonly IActorRef job;

    private JobHost(JobSpec spec, ActorSystem system, TcpStore store, JobApi api, LocalNodeLauncher? launcher, IActorRef job, StatusBoard board, string runDirectory, int expectedSteps)
    {
        this.job = job;
        Spec = spec;
        this.system = system;
        this.store = store;
        this.api = api;
        this.launcher = launcher;
        Board = board;
        RunDirectory = runDirectory;
        ExpectedSteps = expectedSteps;
    }

    public JobSpec Spec { get; }

    public StatusBoard Board { get; }

    public string RunDirectory { get; }

    public string ApiUrl => api.Url;

    public string CoordinatorAddress => system.Address.ToString();

    /// <summary>Steps the job will train if nothing changes (max steps, or the epochs' batches over the group).</summary>
    public int ExpectedSteps { get; }

    /// <summary>Where the run directory of the job at <paramref name="jobPath"/> is.</summary>
    public static string RunDirectoryOf(string jobPath, JobSpec spec) =>
        Path.Combine(Path.GetDirectoryName(Path.GetFullPath(jobPath))!, "runs", spec.Name);

    /// <exception cref="JobSpecException">The spec is invalid.</exception>
    /// <exception cref="InvalidDataException">The training data cannot be used.</exception>
    /// <exception cref="InvalidOperationException">The secret is missing (nodes started elsewhere).</exception>
    public static async Task<JobHost> StartAsync(TrainOptions options, Action<string> log)
    {
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(log);
        string jobPath = Path.GetFullPath(options.JobPath);
        JobSpec spec = JobSpecLoader.Load(jobPath);
        string jobDirectory = Path.GetDirectoryName(jobPath)!;
        string yaml = File.ReadAllText(jobPath);
        int dataNodes = options.DataNodes ?? spec.Cluster.DataNodes;
        int gpuNodes = options.GpuNodes ?? spec.Cluster.GpuNodes;

        // The model's config is resolved before any node starts, as every node will resolve it: a missing or malformed
        // file fails the run here, with its name, rather than in each node.
        _ = ResolvedJob.Resolve(spec);
        string runDirectory = RunDirectoryOf(jobPath, spec);
        var planner = ManifestEpochPlanner.Load(spec, options.Validate, log, Path.Combine(runDirectory, "validation"));
        PlannedEpoch first = planner.Plan(0);
        log($"{planner.Items} training items ({planner.TotalSeconds / 60:F1} min), {first.Batches.Count} batches per epoch");

        string secretText = options.Embedded ? JobSecret.Generate() : "";
        byte[] secret = options.Embedded ? Encoding.UTF8.GetBytes(secretText) : JobSecret.Load(spec.Cluster);
        Directory.CreateDirectory(runDirectory);
        string checkpointRoot = Path.GetFullPath(Path.Combine(jobDirectory, spec.Checkpointing.Directory));
        RestorePoint? resume = LatestCheckpoint.Find(checkpointRoot, log);
        if (resume is not null) log($"resuming from the checkpoint of step {resume.Step} ({resume.Directory})");
        // A new run's record starts empty; a resumed one goes on with the record of the run it continues.
        if (resume is null)
        {
            File.Delete(Path.Combine(runDirectory, RunCurves.CommitsFile));
            File.Delete(Path.Combine(runDirectory, RunCurves.EvaluationsFile));
        }
        File.Delete(Path.Combine(runDirectory, "status.json"));

        var limits = new JobLimits(spec.Schedule.MaxSteps, spec.Schedule.Epochs, spec.Batching.GradientAccumulation, gpuNodes, Math.Max(8, 4 * dataNodes));
        int expected = limits.TotalSteps(first.Batches.Count, gpuNodes);

        TcpStore store = TcpStore.Server("127.0.0.1", 0, StoreTimeout);
        ActorSystem? system = null;
        LocalNodeLauncher? launcher = null;
        MetricsEndpoint? metricsEndpoint = null;
        var board = new StatusBoard();
        var metrics = new CoordinatorMetrics(board, spec.Name, spec.Model.Kind.ToString().ToLowerInvariant());
        try
        {
            metricsEndpoint = await MetricsEndpoint.StartAsync(new MetricsEndpointOptions("cluster-coordinator", [CoordinatorMetrics.MeterName])
            {
                Attributes = new Dictionary<string, object> { ["job"] = spec.Name },
            }).ConfigureAwait(false);
            var scrapeTargets = new ScrapeTargets(Path.Combine(runDirectory, "prometheus"), spec.Name);
            scrapeTargets.Set("coordinator", "coordinator", $"{metricsEndpoint.Url.Host}:{metricsEndpoint.Url.Port}");
            system = ActorSystem.Create("coordinator", new ActorSystemOptions
            {
                Remote = new RemoteOptions { Secret = secret, Host = "127.0.0.1", Port = options.Port, Messages = ClusterMessages.CreateRegistry() },
                Log = e =>
                {
                    if (e.Level >= ActorLogLevel.Warning) log($"[{e.Level}] {e.Source}: {e.Message}");
                },
            });
            if (options.Embedded)
                launcher = new LocalNodeLauncher(system.Address.ToString(), secretText, Path.Combine(runDirectory, "logs"), options.Device, options.NodeArguments,
                    spec.Cluster.DataNodeWorkers, gpuNodes, scrapeTargets);
            JobState initial = JobState.Start(limits, planner.Plan, "127.0.0.1", store.Port, resume);
            var settings = new JobActorSettings(spec.Name, yaml, jobDirectory, checkpointRoot, initial, launcher, board,
                FormGrace: TimeSpan.FromSeconds(60), ShutdownGrace: TimeSpan.FromSeconds(30), spec.Checkpointing.StopTimeout, runDirectory, log)
            {
                DataNodeWorkers = spec.Cluster.DataNodeWorkers ?? Environment.ProcessorCount,
            };
            IActorRef job = system.ActorOf(JobActor.Props(settings), "job");
            if (launcher is not null) launcher.Exited = (name, processId, code) => job.Tell(new JobCommands.NodeExited(name, processId, code));
            JobApi api = await JobApi.StartAsync(options.ApiHost, options.ApiPort, board, job, spec.Checkpointing.StopTimeout).ConfigureAwait(false);
            string urlFile = Path.Combine(runDirectory, ApiUrlFile);
            File.WriteAllText(urlFile + ".tmp", api.Url);
            File.Move(urlFile + ".tmp", urlFile, overwrite: true);
            log($"coordinator at {system.Address}, API and status page at {api.Url}/, metrics at {metricsEndpoint.Url}");
            log($"Prometheus: prometheus --config.file={Path.Combine(scrapeTargets.Directory, ScrapeTargets.ConfigFile)}");
            if (launcher is not null)
            {
                for (int i = 1; i <= dataNodes; i++) launcher.Launch(NodeRole.Data, $"data-{i}");
                for (int i = 0; i < gpuNodes; i++) launcher.Launch(NodeRole.Gpu, $"gpu-{i}");
            }

            return new JobHost(spec, system, store, api, launcher, job, board, runDirectory, expected) { observability = (metricsEndpoint, metrics) };
        }
        catch
        {
            launcher?.Dispose();
            if (metricsEndpoint is not null) await metricsEndpoint.DisposeAsync().ConfigureAwait(false);
            metrics.Dispose();
            if (system is not null) await system.TerminateAsync().ConfigureAwait(false);
            store.Dispose();
            throw;
        }
    }

    /// <summary>Ends the job as <c>POST /stop</c> does: with <paramref name="checkpoint"/> the current step is checkpointed
    /// first; the nodes are told to stop and the job completes once they are gone.</summary>
    public void RequestStop(string reason, bool checkpoint) => job.Tell(new JobCommands.Stop(reason, checkpoint));

    public async ValueTask DisposeAsync()
    {
        File.Delete(Path.Combine(RunDirectory, ApiUrlFile));
        await api.DisposeAsync().ConfigureAwait(false);
        launcher?.StopAll(TimeSpan.FromSeconds(10));
        launcher?.Dispose();
        await system.TerminateAsync().ConfigureAwait(false);
        store.Dispose();
        if (observability.Endpoint is not null) await observability.Endpoint.DisposeAsync().ConfigureAwait(false);
        observability.Metrics?.Dispose();
    }

    // The coordinator's own /metrics, served for as long as the job runs.
    private (MetricsEndpoint? Endpoint, CoordinatorMetrics? Metrics) observability;
}
