using System.Collections.ObjectModel;
using System.Diagnostics.CodeAnalysis;

namespace Cluster.Speech.Data;

/// <summary>
/// One transcribed clip of a speech-recognition manifest. Readers resolve <see cref="AudioPath"/> against the
/// manifest's folder, so an utterance means the same file whichever directory the job runs from.
/// </summary>
public sealed record Utterance
{
    [SetsRequiredMembers]
    public Utterance(string id, string audioPath, string text)
    {
        Id = id;
        AudioPath = audioPath;
        Text = text;
    }

    /// <summary>Unique within its manifest; batch plans and the ledger refer to utterances by it.</summary>
    public required string Id
    {
        get;
        init
        {
            ArgumentException.ThrowIfNullOrEmpty(value, nameof(Id));
            field = value;
        }
    }

    /// <summary>Absolute path of the audio file.</summary>
    public required string AudioPath
    {
        get;
        init
        {
            ArgumentException.ThrowIfNullOrEmpty(value, nameof(AudioPath));
            if (!Path.IsPathFullyQualified(value))
                throw new ArgumentException($"audio path '{value}' is not absolute", nameof(AudioPath));
            field = value;
        }
    }

    /// <summary>The transcript as the manifest has it; may be empty (validation, not reading, rejects that).</summary>
    public required string Text
    {
        get;
        init
        {
            ArgumentNullException.ThrowIfNull(value, nameof(Text));
            field = value;
        }
    }

    /// <summary>Length in seconds of the part of the file this utterance covers; null when the manifest does not say.</summary>
    public double? Duration
    {
        get;
        init => field = RequireSeconds(value, nameof(Duration));
    }

    /// <summary>Start in seconds of the utterance inside its file (Kaldi segments); null for a whole file.</summary>
    public double? Offset
    {
        get;
        init => field = RequireSeconds(value, nameof(Offset));
    }

    public string? Speaker { get; init; }

    public string? Language { get; init; }

    /// <summary>Columns the manifest carries that have no property here, kept so a rewrite loses nothing.</summary>
    public IReadOnlyDictionary<string, string> Extra
    {
        get;
        init
        {
            ArgumentNullException.ThrowIfNull(value, nameof(Extra));
            // A copy, so the caller's dictionary changing later cannot change an utterance of an immutable manifest.
            field = value.Count == 0
                ? ReadOnlyDictionary<string, string>.Empty
                : new ReadOnlyDictionary<string, string>(new Dictionary<string, string>(value, StringComparer.Ordinal));
        }
    } = ReadOnlyDictionary<string, string>.Empty;

    // The compiler-generated equality would compare Extra by reference, making two reads of one file disagree.
    public bool Equals(Utterance? other) =>
        other is not null
        && Id == other.Id
        && AudioPath == other.AudioPath
        && Text == other.Text
        && Duration == other.Duration
        && Offset == other.Offset
        && Speaker == other.Speaker
        && Language == other.Language
        && Extra.Count == other.Extra.Count
        && Extra.All(pair => other.Extra.TryGetValue(pair.Key, out string? value) && value == pair.Value);

    public override int GetHashCode() => HashCode.Combine(Id, AudioPath, Text, Duration, Offset, Speaker, Language);

    private static double? RequireSeconds(double? value, string name) =>
        value is { } seconds && !(double.IsFinite(seconds) && seconds >= 0)
            ? throw new ArgumentOutOfRangeException(name, seconds, "must be a finite number of seconds, not negative")
            : value;
}
