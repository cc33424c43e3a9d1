using System.Text.Json;
using System.Text.Json.Serialization;
using Cluster.Shared.Planning;
using Cluster.Torch.Optim;

namespace Cluster.Shared.Checkpoints;

/// <summary>
/// <c>trainer_state.json</c>: everything besides weights and optimizer moments that a resume needs to continue the
/// same run: where it was (step, epoch, the ledger's cursor into the epoch plan), the scheduler, the random number
/// generators, the evaluation history that early stopping and "best" depend on, and the job spec it ran.
/// </summary>
/// <param name="Step">The last optimizer step the checkpoint includes.</param>
/// <param name="Epoch">The epoch the ledger cursor belongs to.</param>
/// <param name="Ledger">Which batches of the epoch the weights have seen.</param>
/// <param name="Scheduler">The learning-rate scheduler; null when the job has none.</param>
/// <param name="Seed">The job's seed, from which the data plan is rebuilt.</param>
/// <param name="RngStates">Generator states by device ("cpu", "cuda:0"), base64 of <c>Generator.get_state()</c>.</param>
/// <param name="MetricHistory">Every evaluation so far, oldest first.</param>
/// <param name="EvaluationsWithoutImprovement">The early-stopping counter.</param>
/// <param name="Config">The job spec's YAML text as the run was started.</param>
public sealed record TrainerState(
    long Step,
    int Epoch,
    LedgerCursor Ledger,
    SchedulerState? Scheduler,
    ulong Seed,
    IReadOnlyDictionary<string, string> RngStates,
    IReadOnlyList<MetricRecord> MetricHistory,
    int EvaluationsWithoutImprovement,
    string Config)
{
    private static readonly JsonSerializerOptions Options = new()
    {
        WriteIndented = true,
        PropertyNamingPolicy = JsonNamingPolicy.SnakeCaseLower,
        UnmappedMemberHandling = JsonUnmappedMemberHandling.Disallow,
        RespectNullableAnnotations = true,
        RespectRequiredConstructorParameters = true,
        NumberHandling = JsonNumberHandling.AllowNamedFloatingPointLiterals,
    };

    public byte[] ToJson() => JsonSerializer.SerializeToUtf8Bytes(this, Options);

    public CheckpointFile ToFile() => CheckpointFile.Bytes(CheckpointLayout.TrainerStateFile, ToJson());

    /// <exception cref="InvalidDataException">Malformed, missing fields, or inconsistent; the message names the file.</exception>
    public static TrainerState Load(string path)
    {
        ArgumentException.ThrowIfNullOrEmpty(path);
        return Parse(File.ReadAllBytes(path), path);
    }

    /// <exception cref="InvalidDataException">As <see cref="Load"/>.</exception>
    public static TrainerState Parse(ReadOnlySpan<byte> json, string source)
    {
        TrainerState? state;
        try
        {
            state = JsonSerializer.Deserialize<TrainerState>(json, Options);
        }
        catch (JsonException e)
        {
            throw new InvalidDataException($"{source}: not a trainer state: {e.Message}", e);
        }

        if (state is null) throw new InvalidDataException($"{source}: the trainer state is null");
        if (state.Step < 0) throw new InvalidDataException($"{source}: step {state.Step} is negative");
        if (state.Ledger.Epoch != state.Epoch)
            throw new InvalidDataException($"{source}: the ledger cursor is for epoch {state.Ledger.Epoch}, the state for epoch {state.Epoch}");
        if (state.Ledger.Step > state.Step)
            throw new InvalidDataException($"{source}: the ledger cursor includes step {state.Ledger.Step}, after the state's step {state.Step}");
        foreach (var (device, encoded) in state.RngStates)
        {
            Span<byte> buffer = new byte[encoded.Length];
            if (!Convert.TryFromBase64String(encoded, buffer, out _))
                throw new InvalidDataException($"{source}: rng_states[\"{device}\"] is not base64");
        }

        return state;
    }

    // The compiler-generated equality would compare the collections by reference.
    public bool Equals(TrainerState? other) =>
        other is not null && Step == other.Step && Epoch == other.Epoch && Ledger.Equals(other.Ledger)
        && SchedulerEquals(Scheduler, other.Scheduler) && Seed == other.Seed
        && RngStates.Count == other.RngStates.Count
        && RngStates.All(pair => other.RngStates.TryGetValue(pair.Key, out string? value) && value == pair.Value)
        && MetricHistory.SequenceEqual(other.MetricHistory)
        && EvaluationsWithoutImprovement == other.EvaluationsWithoutImprovement && Config == other.Config;

    public override int GetHashCode() => HashCode.Combine(Step, Epoch, Seed, Config);

    private static bool SchedulerEquals(SchedulerState? a, SchedulerState? b) =>
        a is null || b is null
            ? a is null && b is null
            : a.LastEpoch == b.LastEpoch && a.BaseLearningRates.SequenceEqual(b.BaseLearningRates)
              && a.LearningRates.SequenceEqual(b.LearningRates)
              && a.Extra.Count == b.Extra.Count && a.Extra.All(pair => b.Extra.TryGetValue(pair.Key, out double v) && v.Equals(pair.Value));
}
