namespace Cluster.Shared.Jobs;

/// <summary>One problem of a job spec: where it is (dotted key path, 1-based line and column) and what is wrong.</summary>
public sealed record JobSpecError(string Path, int Line, int Column, string Reason)
{
    public override string ToString() =>
        Path.Length == 0 ? $"{Reason} (line {Line}, col {Column})" : $"{Path}: {Reason} (line {Line}, col {Column})";
}
