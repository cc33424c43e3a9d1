namespace Cluster.Speech.Data;

/// <summary>Detects repeated ids within one file and says where each was first seen.</summary>
internal sealed class IdRegistry
{
    private readonly Dictionary<string, int> firstLine = new(StringComparer.Ordinal);

    /// <summary>Registers <paramref name="id"/>; returns the line of its first occurrence when it is a repeat.</summary>
    public int? Repeat(string id, int line) => firstLine.TryAdd(id, line) ? null : firstLine[id];

    /// <summary>Registers the row's id, reporting a repeat against the row.</summary>
    public void Add(string id, ManifestRow row)
    {
        if (Repeat(id, row.Line) is int first) row.Report($"duplicate id '{id}' (first on line {first})");
    }
}
