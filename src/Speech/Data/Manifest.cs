using System.Diagnostics.CodeAnalysis;

namespace Cluster.Speech.Data;

/// <summary>The utterances of a speech-recognition dataset split, in the order of their source, with unique ids.</summary>
public sealed class Manifest
{
    private readonly Dictionary<string, Utterance> byId;

    /// <param name="source">Where the utterances came from, for logs and error messages.</param>
    /// <exception cref="ArgumentException">Two utterances share an id.</exception>
    public Manifest(string source, IEnumerable<Utterance> utterances)
    {
        ArgumentException.ThrowIfNullOrEmpty(source);
        ArgumentNullException.ThrowIfNull(utterances);
        Utterance[] list = [.. utterances];
        byId = new Dictionary<string, Utterance>(list.Length, StringComparer.Ordinal);
        foreach (Utterance utterance in list)
        {
            ArgumentNullException.ThrowIfNull(utterance, nameof(utterances));
            if (!byId.TryAdd(utterance.Id, utterance))
                throw new ArgumentException($"utterance id '{utterance.Id}' appears more than once", nameof(utterances));
        }

        Source = source;
        Utterances = list.AsReadOnly();
    }

    public string Source { get; }

    public IReadOnlyList<Utterance> Utterances { get; }

    public int Count => Utterances.Count;

    /// <summary>Finds an utterance by id, as the data loader does for the ids of a planned batch.</summary>
    public bool TryGet(string id, [MaybeNullWhen(false)] out Utterance utterance) => byId.TryGetValue(id, out utterance);

    public override string ToString() => $"{Source} ({Count} utterances)";
}
