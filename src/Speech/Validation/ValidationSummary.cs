namespace Cluster.Speech.Validation;

/// <summary>What a validated manifest holds: items, hours of audio, and the stored formats of its audio.</summary>
public sealed class ValidationSummary
{
    /// <param name="hours">Audio that could be read: each utterance's clip or segment, each pair's noisy recording.</param>
    /// <param name="sampleRates">Audio reads per stored sample rate (one per utterance, two per pair), for every file
    /// whose header could be read.</param>
    /// <param name="channels">Audio reads per stored channel count, counted like <paramref name="sampleRates"/>.</param>
    public ValidationSummary(int items, double hours, IReadOnlyDictionary<int, int> sampleRates, IReadOnlyDictionary<int, int> channels)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(items);
        if (!(double.IsFinite(hours) && hours >= 0)) throw new ArgumentOutOfRangeException(nameof(hours), hours, "must be finite and not negative");
        ArgumentNullException.ThrowIfNull(sampleRates);
        ArgumentNullException.ThrowIfNull(channels);
        Items = items;
        Hours = hours;
        SampleRates = new SortedDictionary<int, int>(sampleRates.ToDictionary());
        Channels = new SortedDictionary<int, int>(channels.ToDictionary());
    }

    public int Items { get; }

    public double Hours { get; }

    /// <summary>Sample rate (Hz) → audio reads at it, ascending.</summary>
    public IReadOnlyDictionary<int, int> SampleRates { get; }

    /// <summary>Channel count → audio reads with it, ascending.</summary>
    public IReadOnlyDictionary<int, int> Channels { get; }
}
