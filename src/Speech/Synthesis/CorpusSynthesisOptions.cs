namespace Cluster.Speech.Synthesis;

/// <summary>What <see cref="CorpusSynthesizer"/> makes: how much speech, in which languages, from which seed.</summary>
public sealed record CorpusSynthesisOptions
{
    /// <summary>Languages as espeak-ng names them: "cmn" (Mandarin) and "en" (English), taken in turn.</summary>
    public IReadOnlyList<string> Languages { get; init; } = ["cmn"];

    /// <summary>Number of utterances; when <see cref="TargetHours"/> is set it is an upper bound instead.</summary>
    public int Utterances { get; init; } = 100;

    /// <summary>Stop once this much audio exists (seconds to hours), or null to make exactly <see cref="Utterances"/>.</summary>
    public double? TargetHours { get; init; }

    public ulong Seed { get; init; } = 1;

    /// <summary>Shares of utterances in dev.tsv and test.tsv; the rest go to train.tsv.</summary>
    public double DevFraction { get; init; } = 0.1;

    public double TestFraction { get; init; } = 0.1;

    public int MinWordsPerMinute { get; init; } = 130;
    public int MaxWordsPerMinute { get; init; } = 190;
    public int MinPitch { get; init; } = 25;
    public int MaxPitch { get; init; } = 75;

    /// <summary>espeak-ng processes run at once.</summary>
    public int Parallelism { get; init; } = Environment.ProcessorCount;

    public void Validate()
    {
        if (Languages.Count == 0) throw new ArgumentException("at least one language is needed", nameof(Languages));
        foreach (var language in Languages) SentencePool.For(language);
        if (Utterances < 1) throw new ArgumentOutOfRangeException(nameof(Utterances), Utterances, "must be at least 1");
        if (TargetHours is <= 0) throw new ArgumentOutOfRangeException(nameof(TargetHours), TargetHours, "must be positive");
        if (DevFraction < 0 || TestFraction < 0 || DevFraction + TestFraction >= 1)
            throw new ArgumentOutOfRangeException(nameof(DevFraction), "dev and test fractions must be non-negative and leave room for training");
        if (MinWordsPerMinute < 80 || MaxWordsPerMinute > 450 || MinWordsPerMinute > MaxWordsPerMinute)
            throw new ArgumentOutOfRangeException(nameof(MinWordsPerMinute), "speeds must satisfy 80 ≤ min ≤ max ≤ 450 words per minute");
        if (MinPitch < 0 || MaxPitch > 99 || MinPitch > MaxPitch)
            throw new ArgumentOutOfRangeException(nameof(MinPitch), "pitches must satisfy 0 ≤ min ≤ max ≤ 99");
        if (Parallelism < 1) throw new ArgumentOutOfRangeException(nameof(Parallelism), Parallelism, "must be at least 1");
    }
}
