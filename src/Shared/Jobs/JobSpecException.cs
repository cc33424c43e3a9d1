namespace Cluster.Shared.Jobs;

/// <summary>
/// A job spec that cannot run. Every problem found is listed, not just the first, so one edit-and-retry round fixes
/// them all; each names the file, the key path, the reason and where in the file it is.
/// </summary>
public sealed class JobSpecException : Exception
{
    public JobSpecException(string source, IReadOnlyList<JobSpecError> errors)
        : base(Describe(source, errors))
    {
        Origin = source;
        Errors = errors;
    }

    /// <summary>The file (or other origin) the spec was read from.</summary>
    public string Origin { get; }

    public IReadOnlyList<JobSpecError> Errors { get; }

    private static string Describe(string source, IReadOnlyList<JobSpecError> errors)
    {
        ArgumentNullException.ThrowIfNull(errors);
        if (errors.Count == 1) return $"{source}: {errors[0]}";
        return $"{source}: {errors.Count} problems:" + string.Concat(errors.Select(e => $"{Environment.NewLine}  {e}"));
    }
}
