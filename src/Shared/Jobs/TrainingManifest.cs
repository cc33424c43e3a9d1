using Cluster.Speech.Data;
using Cluster.Speech.Validation;

namespace Cluster.Shared.Jobs;

/// <summary>One of a job's training manifests, read as the job's <see cref="DataForm"/> says: speech, or pairs.</summary>
public sealed class TrainingManifest
{
    private readonly Manifest? speech;
    private readonly EnhancementManifest? pairs;

    internal TrainingManifest(string path, Manifest speech)
    {
        Path = path;
        this.speech = speech;
        Items = [.. speech.Utterances.Select(u => new TrainingItem(u.Id, u.Duration))];
    }

    internal TrainingManifest(string path, EnhancementManifest pairs)
    {
        Path = path;
        this.pairs = pairs;
        Items = [.. pairs.Pairs.Select(p => new TrainingItem(p.Id, p.Duration))];
    }

    /// <summary>The path as the job names it.</summary>
    public string Path { get; }

    /// <summary>In the manifest's order.</summary>
    public IReadOnlyList<TrainingItem> Items { get; }

    internal IEnumerable<Utterance> Utterances => speech?.Utterances ?? [];

    internal IEnumerable<EnhancementPair> Pairs => pairs?.Pairs ?? [];

    /// <summary>Validates every item as <c>cluster data validate</c> does (with <c>--enhancement</c> for pairs).</summary>
    public ValidationReport Validate(ValidationOptions options) =>
        speech is not null ? new DataValidator(options).Validate(speech) : new DataValidator(options).Validate(pairs!);
}
