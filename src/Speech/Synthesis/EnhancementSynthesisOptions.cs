namespace Cluster.Speech.Synthesis;

/// <summary>What <see cref="EnhancementCorpusSynthesizer"/> makes: clean speech, noises, SNRs, seed.</summary>
public sealed record EnhancementSynthesisOptions
{
    /// <summary>The clean speech: languages, count or duration, voices (its seed is ignored; <see cref="Seed"/> rules).</summary>
    public CorpusSynthesisOptions Speech { get; init; } = new() { Languages = ["cmn", "en"], Utterances = 50 };

    public IReadOnlyList<NoiseKind> Noises { get; init; } = [NoiseKind.White, NoiseKind.Pink, NoiseKind.Babble, NoiseKind.Tones];

    /// <summary>SNRs in dB; each pair takes one of them.</summary>
    public IReadOnlyList<double> SnrDb { get; init; } = [-5, 0, 5, 10];

    public ulong Seed { get; init; } = 1;

    /// <summary>Other utterances spoken once and talked over in babble noise.</summary>
    public int BabbleTalkers { get; init; } = 8;

    public void Validate()
    {
        Speech.Validate();
        if (Noises.Count == 0) throw new ArgumentException("at least one noise kind is needed", nameof(Noises));
        if (SnrDb.Count == 0 || SnrDb.Any(s => !double.IsFinite(s)))
            throw new ArgumentException("SNRs must be a non-empty list of finite dB values", nameof(SnrDb));
        if (BabbleTalkers < 1) throw new ArgumentOutOfRangeException(nameof(BabbleTalkers), BabbleTalkers, "must be at least 1");
    }
}
