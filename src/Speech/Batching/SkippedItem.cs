namespace Cluster.Speech.Batching;

/// <summary>An example left out of its batch, with the file and the reason, so a data node reports it instead of failing.</summary>
public sealed record SkippedItem(string Id, string Path, string Reason)
{
    public override string ToString() => $"{Id} ({Path}): {Reason}";
}
