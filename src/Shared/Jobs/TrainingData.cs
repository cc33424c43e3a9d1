using Cluster.Speech.Data;
using Cluster.Speech.Validation;

namespace Cluster.Shared.Jobs;

/// <summary>
/// A job's training manifests read the one way the coordinator (which plans epochs from the ids) and the DataNodes
/// (which build the batches those ids name) both use, so the two cannot read the same file differently. Ids are
/// unique across all manifests: a plan naming an id twice would be ambiguous.
/// </summary>
public sealed class TrainingData
{
    private TrainingData(JobSpec job, IReadOnlyList<TrainingManifest> manifests)
    {
        Form = job.DataForm;
        Manifests = manifests;
        Utterances = manifests.SelectMany(m => m.Utterances).ToDictionary(u => u.Id, StringComparer.Ordinal);
        // Clean speech is mixed with noise by the enhancement builder, which reads the clean side of a pair: both sides
        // name the clip.
        Pairs = Form == DataForm.EnhancementPairs
            ? manifests.SelectMany(m => m.Pairs).ToDictionary(p => p.Id, StringComparer.Ordinal)
            : Utterances.Values.ToDictionary(u => u.Id, u => new EnhancementPair(u.Id, u.AudioPath, u.AudioPath), StringComparer.Ordinal);
        ValidationOptions = ValidationOptions.Default with
        {
            SampleRate = job.Data.SampleRate,
            MaxDurationSeconds = job.Data.MaxDurationSeconds,
            CheckTranscripts = Form == DataForm.Speech,
        };
    }

    public DataForm Form { get; }

    /// <summary>In the order of <c>data.train</c>.</summary>
    public IReadOnlyList<TrainingManifest> Manifests { get; }

    /// <summary>The utterances by id (speech forms; empty for pairs).</summary>
    public IReadOnlyDictionary<string, Utterance> Utterances { get; }

    /// <summary>The enhancement examples by id: the pairs, or each clean clip as both sides of one (empty for Whisper).</summary>
    public IReadOnlyDictionary<string, EnhancementPair> Pairs { get; }

    /// <summary>The limits the job's data is validated against before training.</summary>
    public ValidationOptions ValidationOptions { get; }

    /// <exception cref="InvalidDataException">A manifest cannot be read as the job's form, or an id is in two manifests;
    /// the message names the files.</exception>
    public static TrainingData Read(JobSpec job)
    {
        ArgumentNullException.ThrowIfNull(job);
        const string Role = "training manifest";
        var manifests = new List<TrainingManifest>(job.Data.Train.Count);
        var sources = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (string path in job.Data.Train)
        {
            TrainingManifest manifest = job.DataForm == DataForm.EnhancementPairs
                ? new TrainingManifest(path, JobManifests.ReadPairs(job, path, Role))
                : new TrainingManifest(path, JobManifests.ReadSpeech(job, path, Role));
            foreach (TrainingItem item in manifest.Items)
            {
                if (!sources.TryAdd(item.Id, path))
                    throw new InvalidDataException($"{Role} '{path}': id '{item.Id}' is also in '{sources[item.Id]}'; ids must be unique across data.train");
            }

            manifests.Add(manifest);
        }

        return new TrainingData(job, manifests);
    }
}
