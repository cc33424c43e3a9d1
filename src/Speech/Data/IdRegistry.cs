namespace Cluster.Speech.Data;

/// <summary>Detects repeated ids within one file and says where each was first seen.</summary>
internal sealed class IdRegistry
{
    private readonly Dictionary<string, int> firstLine = new(StringComparer.Ordinal);

    /// <summary>Registers the row's id, reporting a repeat against the row.</summary>
    public void Add(string id, ManifestRow row)
    {
        if (!firstLine.TryAdd(id, row.Line)) row.Report($"duplicate id '{id}' (first on line {firstLine[id]})");
    }
}
