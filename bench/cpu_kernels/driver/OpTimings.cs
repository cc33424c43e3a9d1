namespace Cluster.Bench.CpuKernels.Driver;

/// <summary>Every timed repetition one side ran of one op, over all its turns, and why a turn gave none.</summary>
internal sealed class OpTimings
{
    private readonly List<double> milliseconds = [];
    private readonly List<string> failures = [];
    private readonly List<double> processCpu = [];

    public IReadOnlyList<double> Milliseconds => milliseconds;

    public IReadOnlyList<string> Failures => failures;

    public long? Parameters { get; private set; }

    /// <summary>Process CPU time over wall-clock of the timed repetitions, or null when a side did not report it. On a
    /// quiet machine it is close to the thread count; well below means the process waited for a CPU.</summary>
    public double? CpuPerWall => milliseconds.Count > 0 && !processCpu.Any(double.IsNaN) ? processCpu.Sum() / milliseconds.Sum() : null;

    public bool HasData => milliseconds.Count > 0;

    public double Median => Statistics.Median(milliseconds);

    public void Add(SideResult result)
    {
        if (result.Line is not { } line)
        {
            failures.Add(result.Failure ?? "no result");
            return;
        }
        var timed = line["ms"]!.AsArray().Select(value => value!.GetValue<double>()).ToList();
        milliseconds.AddRange(timed);
        // Only a turn whose every timed repetition reported its CPU time counts, so the two lists stay paired.
        processCpu.AddRange(result.ProcessCpuMs.Count == timed.Count ? result.ProcessCpuMs : Enumerable.Repeat(double.NaN, timed.Count));
        if (line["parameters"] is { } parameters)
        {
            Parameters = parameters.GetValue<long>();
        }
    }
}
