using System.Collections.Concurrent;
using Cluster.Shared.Jobs;
using Cluster.Speech.Data;
using Cluster.Speech.Features;
using Cluster.Speech.Validation;

namespace Cluster.Coordinator.Jobs;

/// <summary>
/// The epoch plans of a job: the training manifests (validated: quarantined items are left out, and a corpus with too
/// many bad items refuses to train) bucketed by duration, deterministic from the job's seed and the epoch.
/// </summary>
public sealed class ManifestEpochPlanner
{
    private readonly IReadOnlyList<Utterance> utterances;
    private readonly DurationBucketer bucketer;
    private readonly ulong seed;
    private readonly ConcurrentDictionary<int, PlannedEpoch> plans = new();

    private ManifestEpochPlanner(IReadOnlyList<Utterance> utterances, DurationBucketer bucketer, ulong seed)
    {
        this.utterances = utterances;
        this.bucketer = bucketer;
        this.seed = seed;
    }

    public int Items => utterances.Count;

    public double TotalSeconds => utterances.Sum(u => u.Duration ?? 0);

    /// <summary>Reads and validates the job's training data.</summary>
    /// <exception cref="InvalidDataException">The data cannot be trained on; the message names the manifest and why.</exception>
    public static ManifestEpochPlanner Load(JobSpec job, bool validate, Action<string> log)
    {
        ArgumentNullException.ThrowIfNull(job);
        ArgumentNullException.ThrowIfNull(log);
        var all = new List<Utterance>();
        var seen = new HashSet<string>(StringComparer.Ordinal);
        bool enhancement = job.Data.Enhancement is not null;
        foreach (string path in job.Data.Train)
        {
            Manifest manifest;
            try
            {
                manifest = ManifestReader.Read(path, job.Data.Format);
            }
            catch (Exception error) when (error is IOException or FormatException or ArgumentException or UnauthorizedAccessException)
            {
                throw new InvalidDataException($"training manifest '{path}': {error.Message}", error);
            }

            var quarantined = new HashSet<string>(StringComparer.Ordinal);
            if (validate)
            {
                var options = ValidationOptions.Default with
                {
                    SampleRate = job.Data.SampleRate, MaxDurationSeconds = job.Data.MaxDurationSeconds, CheckTranscripts = !enhancement,
                };
                ValidationReport report = new DataValidator(options).Validate(manifest);
                if (report.RefusalReason(ValidationPolicy.Default) is { } refusal)
                    throw new InvalidDataException($"training manifest '{path}' fails validation: {refusal}");
                quarantined.UnionWith(report.QuarantineList);
                if (quarantined.Count > 0) log($"{path}: {quarantined.Count} item(s) quarantined and left out");
            }

            foreach (Utterance utterance in manifest.Utterances)
            {
                if (quarantined.Contains(utterance.Id)) continue;
                if (!seen.Add(utterance.Id)) throw new InvalidDataException($"training manifest '{path}': id '{utterance.Id}' also appears in an earlier manifest");
                if (enhancement)
                {
                    // Enhancement trains on fixed-length crops, so every item costs the same.
                    all.Add(utterance with { Duration = job.Data.Enhancement!.CropSeconds });
                }
                else if (utterance.Duration is null)
                {
                    throw new InvalidDataException($"training manifest '{path}': '{utterance.Id}' has no duration; run `cluster data prepare` to add durations");
                }
                else
                {
                    all.Add(utterance);
                }
            }
        }

        if (all.Count == 0) throw new InvalidDataException($"the training manifests ({string.Join(", ", job.Data.Train)}) hold no usable items");
        double framesPerSecond = job.Data.SampleRate / (double)LogMelSpectrogram.HopLength;
        var bucketer = new DurationBucketer(job.Batching.ToBucketingOptions(framesPerSecond));
        return new ManifestEpochPlanner(all, bucketer, job.Seed);
    }

    /// <exception cref="InvalidDataException">The batching cannot plan the data (e.g. a clip longer than the budget).</exception>
    public PlannedEpoch Plan(int epoch) => plans.GetOrAdd(epoch, e =>
    {
        try
        {
            EpochPlan plan = bucketer.Plan(utterances, seed, e);
            return new PlannedEpoch(e, [.. plan.Batches.Select(b => new EpochBatch(b.BatchId, b.UtteranceIds))]);
        }
        catch (ArgumentException error)
        {
            throw new InvalidDataException($"epoch {e} cannot be planned: {error.Message}", error);
        }
    });
}
