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
    private readonly IReadOnlyList<(string Id, double? Seconds)> items;
    private readonly DurationBucketer bucketer;
    private readonly ulong seed;
    private readonly ConcurrentDictionary<int, PlannedEpoch> plans = new();

    private ManifestEpochPlanner(IReadOnlyList<(string Id, double? Seconds)> items, DurationBucketer bucketer, ulong seed)
    {
        this.items = items;
        this.bucketer = bucketer;
        this.seed = seed;
    }

    public int Items => items.Count;

    public double TotalSeconds => items.Sum(item => item.Seconds ?? 0);

    /// <summary>Reads and validates the job's training data (<see cref="TrainingData"/>, as the DataNodes read it). The
    /// validation is <c>cluster data validate</c>'s, with <c>--enhancement</c> for pair manifests: the same checks,
    /// quarantine and refusal.</summary>
    /// <param name="reportDirectory">Where each manifest's validation report (JSON) and quarantine list are written;
    /// null writes none.</param>
    /// <exception cref="InvalidDataException">The data cannot be trained on; the message names the manifest and why.</exception>
    public static ManifestEpochPlanner Load(JobSpec job, bool validate, Action<string> log, string? reportDirectory = null)
    {
        ArgumentNullException.ThrowIfNull(job);
        ArgumentNullException.ThrowIfNull(log);
        TrainingData data = TrainingData.Read(job);
        var all = new List<(string Id, double? Seconds)>();
        for (int index = 0; index < data.Manifests.Count; index++)
        {
            TrainingManifest manifest = data.Manifests[index];
            string path = manifest.Path;
            var quarantined = new HashSet<string>(StringComparer.Ordinal);
            if (validate)
            {
                ValidationReport report = manifest.Validate(data.ValidationOptions);
                if (reportDirectory is not null) WriteReport(report, manifest, reportDirectory, index);
                if (report.RefusalReason(ValidationPolicy.Default) is { } refusal)
                    throw new InvalidDataException($"training manifest '{path}' fails validation: {refusal}");
                quarantined.UnionWith(report.QuarantineList);
                if (quarantined.Count > 0) log($"{path}: {quarantined.Count} item(s) quarantined and left out");
            }

            foreach (TrainingItem item in manifest.Items)
            {
                if (quarantined.Contains(item.Id)) continue;
                if (data.Form != DataForm.Speech)
                {
                    // Enhancement trains on fixed-length crops, so every item costs the same.
                    all.Add((item.Id, job.Enhancement.CropSeconds));
                }
                else if (item.Duration is null)
                {
                    throw new InvalidDataException($"training manifest '{path}': '{item.Id}' has no duration; run `cluster data prepare` to add durations");
                }
                else
                {
                    all.Add((item.Id, item.Duration));
                }
            }
        }

        if (all.Count == 0) throw new InvalidDataException($"the training manifests ({string.Join(", ", job.Data.Train)}) hold no usable items");
        double framesPerSecond = job.Data.SampleRate / (double)LogMelSpectrogram.HopLength;
        var bucketer = new DurationBucketer(job.Batching.ToBucketingOptions(framesPerSecond));
        return new ManifestEpochPlanner(all, bucketer, job.Seed);
    }

    /// <exception cref="InvalidDataException">The batching cannot plan the data (e.g. a clip longer than the budget).</exception>
    private static void WriteReport(ValidationReport report, TrainingManifest manifest, string directory, int index)
    {
        // The index keeps two manifests of the same file name (train/a.csv, dev/a.csv) apart.
        Directory.CreateDirectory(directory);
        string stem = Path.Combine(directory, $"{index}-{Path.GetFileName(Path.TrimEndingDirectorySeparator(manifest.Path))}");
        report.WriteJson(stem + ".validation.json");
        report.WriteQuarantine(stem + ".quarantine.txt");
    }

    public PlannedEpoch Plan(int epoch) => plans.GetOrAdd(epoch, e =>
    {
        try
        {
            EpochPlan plan = bucketer.Plan(items, seed, e);
            return new PlannedEpoch(e, [.. plan.Batches.Select(b => new EpochBatch(b.BatchId, b.UtteranceIds))]);
        }
        catch (ArgumentException error)
        {
            throw new InvalidDataException($"epoch {e} cannot be planned: {error.Message}", error);
        }
    });
}
