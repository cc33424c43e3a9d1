using System.Text.Json;
using System.Text.Json.Serialization;
using Cluster.Coordinator.Jobs;
using Cluster.Shared.Protocol;

namespace Cluster.Coordinator.Runtime;

/// <summary>What <c>GET /status</c> returns (snake_case JSON) and what the progress display shows.</summary>
public sealed record JobStatus
{
    public static readonly JsonSerializerOptions Json = new()
    {
        PropertyNamingPolicy = JsonNamingPolicy.SnakeCaseLower,
        NumberHandling = JsonNumberHandling.AllowNamedFloatingPointLiterals,
        WriteIndented = true,
        UnmappedMemberHandling = JsonUnmappedMemberHandling.Skip,
    };

    public required string Job { get; init; }

    public required string Phase { get; init; }

    public string? FinishReason { get; init; }

    /// <summary>"pausing" or "stopping" while a pause or stop waits for the current step's checkpoint; null otherwise.</summary>
    public string? Holding { get; init; }

    /// <summary>How the latest pause or stop ended, as its command answered.</summary>
    public string? LastHold { get; init; }

    public bool Failed { get; init; }

    public long Generation { get; init; }

    public int WorldSize { get; init; }

    public long Step { get; init; }

    public int? MaxSteps { get; init; }

    public int Epoch { get; init; }

    public int? Epochs { get; init; }

    public double Loss { get; init; }

    public double LearningRate { get; init; }

    public double ExamplesPerSecond { get; init; }

    public double DataWaitSeconds { get; init; }

    /// <summary>The largest share of the latest step a rank waited for data (0..1).</summary>
    public double DataStall { get; init; }

    public IReadOnlyList<NodeStatus> Nodes { get; init; } = [];

    public int LedgerBatches { get; init; }

    public int LedgerCommitted { get; init; }

    public int LedgerInFlight { get; init; }

    /// <summary>DataNodes that would keep the trainers' data wait under 2 % at the measured rates
    /// (<see cref="DataWorkersDesired"/>); the current count until something was measured.</summary>
    public int DataWorkersDesired { get; init; }

    public long DuplicateCommits { get; init; }

    public long SkippedExamples { get; init; }

    public long? CheckpointStep { get; init; }

    public string? CheckpointDirectory { get; init; }

    public long? EvaluationStep { get; init; }

    public IReadOnlyDictionary<string, double> Evaluation { get; init; } = new Dictionary<string, double>();

    public IReadOnlyList<string> EvaluationSamples { get; init; } = [];

    /// <summary>Regroups, node failures and shard moves by reason, for the metrics (not part of the JSON).</summary>
    [JsonIgnore]
    public JobEventCounts Events { get; init; } = JobEventCounts.Empty;

    public static JobStatus From(string job, JobState state)
    {
        ArgumentNullException.ThrowIfNull(state);
        var nodes = state.Nodes.Values.Select(n =>
        {
            int? rank = n.Role == NodeRole.Gpu && state.Phase == JobPhase.Training ? state.Ranks.RankOf(n.Name) : null;
            string role = n.Role == NodeRole.Data ? "data" : "gpu";
            string nodeState = n.Role == NodeRole.Data ? "serving" : rank is null ? "waiting" : "training";
            return new NodeStatus(n.Name, role, nodeState, rank, n.ProcessId, n.Device, n.Role == NodeRole.Data ? state.Allocator.ShardsOf(n.Name).Count : 0);
        }).ToList();
        TrainingProgress p = state.Progress;
        return new JobStatus
        {
            Job = job,
            Phase = state.Phase.ToString().ToLowerInvariant(),
            FinishReason = state.FinishReason,
            Holding = state.Holding is { } hold ? (hold.Intent == HoldIntent.Pause ? "pausing" : "stopping") : null,
            LastHold = state.LastHoldOutcome?.Message,
            Failed = state.Failed,
            Generation = state.Generation,
            WorldSize = state.Phase == JobPhase.Training ? state.Ranks.WorldSize : 0,
            Step = state.CompletedStep,
            MaxSteps = state.Limits.MaxSteps,
            Epoch = state.Ledger.Epoch,
            Epochs = state.Limits.Epochs,
            Loss = p.Loss,
            LearningRate = p.LearningRate,
            ExamplesPerSecond = p.ExamplesPerSecond,
            DataWaitSeconds = p.DataWaitSeconds,
            DataStall = p.DataStall,
            Nodes = nodes,
            LedgerBatches = state.Ledger.Plan.BatchIds.Count,
            LedgerCommitted = state.Ledger.CommittedCount,
            LedgerInFlight = state.Ledger.InFlightCount,
            DuplicateCommits = p.DuplicateCommits,
            SkippedExamples = p.SkippedExamples,
            CheckpointStep = state.LatestCheckpoint?.Step,
            CheckpointDirectory = state.LatestCheckpoint?.Directory,
            EvaluationStep = p.EvaluationStep >= 0 ? p.EvaluationStep : null,
            Evaluation = p.Evaluation,
            EvaluationSamples = p.EvaluationSamples,
            Events = state.Events,
        };
    }
}
