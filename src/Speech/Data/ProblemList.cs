namespace Cluster.Speech.Data;

/// <summary>Collects the problems of one manifest while reading goes on, then throws them all at once.</summary>
internal sealed class ProblemList(string manifestPath)
{
    private readonly List<ManifestProblem> problems = [];

    public int Count => problems.Count;

    public void Add(string file, int? line, string reason) => problems.Add(new ManifestProblem(file, line, reason));

    public void ThrowIfAny()
    {
        if (problems.Count > 0) throw new ManifestFormatException(manifestPath, problems.AsReadOnly());
    }
}
