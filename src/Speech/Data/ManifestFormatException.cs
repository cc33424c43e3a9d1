using System.Text;

namespace Cluster.Speech.Data;

/// <summary>
/// A manifest that cannot be read as it stands. It carries every problem of the file, not only the first, so one run
/// tells the user everything to fix instead of one line per attempt.
/// </summary>
public sealed class ManifestFormatException : FormatException
{
    /// <summary>How many problems the message lists; the rest are counted, and all are in <see cref="Problems"/>.</summary>
    public const int ListedProblemLimit = 50;

    public ManifestFormatException(string path, IReadOnlyList<ManifestProblem> problems)
        : base(Describe(path, problems))
    {
        Path = path;
        Problems = problems;
    }

    /// <summary>The manifest that was read: a file, or the directory of a Kaldi data dir or of paired folders.</summary>
    public string Path { get; }

    public IReadOnlyList<ManifestProblem> Problems { get; }

    private static string Describe(string path, IReadOnlyList<ManifestProblem> problems)
    {
        ArgumentException.ThrowIfNullOrEmpty(path);
        ArgumentNullException.ThrowIfNull(problems);
        if (problems.Count == 0) throw new ArgumentException("a format error needs at least one problem", nameof(problems));
        var message = new StringBuilder($"{path}: {problems.Count} problem{(problems.Count == 1 ? "" : "s")}");
        foreach (ManifestProblem problem in problems.Take(ListedProblemLimit)) message.Append("\n  ").Append(problem);
        if (problems.Count > ListedProblemLimit) message.Append($"\n  and {problems.Count - ListedProblemLimit} more");
        return message.ToString();
    }
}
