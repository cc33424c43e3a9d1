using Cluster.Speech.Data;

namespace Cluster.Speech.Synthesis;

/// <summary>The folder a synthesized corpus was written to, its utterances by split, and its total duration.</summary>
public sealed record SynthesizedCorpus(string Directory, IReadOnlyDictionary<string, IReadOnlyList<Utterance>> Splits, double TotalSeconds)
{
    public int Count => Splits.Values.Sum(s => s.Count);
}
