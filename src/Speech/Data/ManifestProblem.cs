namespace Cluster.Speech.Data;

/// <summary>One thing wrong with a manifest: where (file and 1-based line) and why.</summary>
/// <param name="File">The file at fault; for a Kaldi directory, the one of its files that holds the line.</param>
/// <param name="Line">Null when the problem concerns the file as a whole (a missing file, a file with no partner).</param>
public sealed record ManifestProblem(string File, int? Line, string Reason)
{
    // Compiler-style "file:line: reason", which terminals and editors turn into a link to the line.
    public override string ToString() => Line is { } line ? $"{File}:{line}: {Reason}" : $"{File}: {Reason}";
}
