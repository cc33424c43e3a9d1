using System.Diagnostics.Metrics;
using System.Reflection;
using Cluster.Coordinator.Jobs;

namespace Cluster.Coordinator.Runtime;

/// <summary>
/// The coordinator's instruments (meter <see cref="MeterName"/>): the job as the job actor last published it
/// (<see cref="StatusBoard"/>), observed at scrape time, so reading them never asks the actor anything. Every phase
/// and ledger state is always present (0 or the count), so an alert can compare series that never vanish.
/// </summary>
public sealed class CoordinatorMetrics : IDisposable
{
    public const string MeterName = "Cluster.Coordinator";

    private static readonly string[] Phases = [.. Enum.GetNames<JobPhase>().Select(p => p.ToLowerInvariant())];
    private readonly Meter meter = new(MeterName);

    public CoordinatorMetrics(StatusBoard board, string job, string model)
    {
        ArgumentNullException.ThrowIfNull(board);
        string version = typeof(CoordinatorMetrics).Assembly.GetCustomAttribute<AssemblyInformationalVersionAttribute>()?.InformationalVersion ?? "unknown";
        meter.CreateObservableGauge<int>("cluster.job.info", () => new Measurement<int>(1,
            new("job", job), new("model", model), new("version", version)), null, "The job, its model and the cluster's version (always 1)");
        meter.CreateObservableGauge<int>("cluster.job.phase", () => board.Latest is { } status
            ? Phases.Select(phase => new Measurement<int>(status.Phase == phase ? 1 : 0, new KeyValuePair<string, object?>("phase", phase)))
            : [], null, "1 for the job's current phase (waiting, training, paused, finished), 0 for the others");
        meter.CreateObservableGauge<long>("cluster.job.step", () => Observe(board, s => s.Step), "{step}", "Steps every rank has committed");
        meter.CreateObservableGauge<long>("cluster.job.epoch", () => Observe(board, s => s.Epoch), "{epoch}", "The epoch being trained (from 0)");
        meter.CreateObservableGauge<double>("cluster.job.epoch.progress.ratio", () => board.Latest is { LedgerBatches: > 0 } status
            ? [new Measurement<double>((double)status.LedgerCommitted / status.LedgerBatches)]
            : [], null, "Share of the current epoch's batches committed");
        meter.CreateObservableCounter<long>("cluster.regroups", () => Counts(board, e => e.Regroups.Select(r => new Measurement<long>(r.Value,
            new KeyValuePair<string, object?>("reason", r.Key)))), "{regroup}", "Training groups torn down and formed again, by reason");
        meter.CreateObservableCounter<long>("cluster.node.failures", () => Counts(board, e => e.NodeFailures.Select(f => new Measurement<long>(f.Value,
            new KeyValuePair<string, object?>("role", f.Key.Role), new KeyValuePair<string, object?>("reason", f.Key.Reason)))),
            "{failure}", "Nodes lost or failed, by role and how");
        meter.CreateObservableCounter<long>("cluster.shard.moves", () => Counts(board, e => e.ShardMoves.Select(m => new Measurement<long>(m.Value,
            new KeyValuePair<string, object?>("reason", m.Key)))), "{shard}", "Shards that changed owner, by why");
        meter.CreateObservableGauge<long>("cluster.job.generation", () => Observe(board, s => s.Generation), null, "The training group's generation");
        meter.CreateObservableGauge<int>("cluster.ledger.batches", () => board.Latest is { } status
            ?
            [
                new Measurement<int>(status.LedgerCommitted, new KeyValuePair<string, object?>("state", "committed")),
                new Measurement<int>(status.LedgerInFlight, new KeyValuePair<string, object?>("state", "in_flight")),
                new Measurement<int>(Math.Max(0, status.LedgerBatches - status.LedgerCommitted - status.LedgerInFlight), new KeyValuePair<string, object?>("state", "due")),
            ]
            : [], "{batch}", "The current epoch's batches by ledger state: committed, in flight (sent, not committed), due");
        meter.CreateObservableGauge<long>("cluster.data.workers.desired", () => Observe(board, s => s.DataWorkersDesired), "{node}",
            "DataNodes that would keep the trainers' data wait under 2 % at the measured build and consumption rates");
        meter.CreateObservableGauge<long>("cluster.data.workers", () => Observe(board, s => s.Nodes.Count(n => n.Role == "data")), "{node}",
            "DataNodes registered now");
        meter.CreateObservableGauge<int>("cluster.nodes", () => board.Latest is { } status
            ? status.Nodes.GroupBy(n => (n.Role, n.State)).Select(g => new Measurement<int>(g.Count(),
                new KeyValuePair<string, object?>("role", g.Key.Role), new KeyValuePair<string, object?>("state", g.Key.State)))
            : [], "{node}", "Registered nodes by role and state");
    }

    private static IEnumerable<Measurement<long>> Counts(StatusBoard board, Func<JobEventCounts, IEnumerable<Measurement<long>>> counts) =>
        board.Latest is { } status ? counts(status.Events) : [];

    private static IEnumerable<Measurement<long>> Observe(StatusBoard board, Func<JobStatus, long> value) =>
        board.Latest is { } status ? [new Measurement<long>(value(status))] : [];

    public void Dispose() => meter.Dispose();
}
