namespace Cluster.Speech.Data;

/// <summary>Collects the problems of one manifest while reading goes on, then throws them all at once.</summary>
internal sealed class ProblemList(string manifestPath)
{
    private readonly List<ManifestProblem> problems = [];

    public void Add(string file, int? line, string reason) => problems.Add(new ManifestProblem(file, line, reason));

    /// <summary>
    /// Throws the problems sorted by file, then line: checks run in passes (syntax, then cross-references), and a
    /// report in file order is what a user fixing the files top to bottom needs.
    /// </summary>
    public void ThrowIfAny()
    {
        if (problems.Count == 0) return;
        ManifestProblem[] sorted = [.. problems.OrderBy(p => p.File, StringComparer.Ordinal).ThenBy(p => p.Line ?? 0)];
        throw new ManifestFormatException(manifestPath, sorted.AsReadOnly());
    }
}
