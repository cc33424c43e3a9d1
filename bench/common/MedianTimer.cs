using System.Diagnostics;

namespace Cluster.Bench;

/// <summary>
/// The timing method every side-by-side benchmark shares with its Python peer: warm up, calibrate an
/// iteration count so one repeat lasts at least <c>minRepeatSeconds</c>, time 7 repeats, return the
/// median seconds per iteration.
/// </summary>
internal static class MedianTimer
{
    private const int Repeats = 7;

    public static double SecondsPerIteration(Action<long> loop, int warmupIterations, double minRepeatSeconds, long firstGuess)
    {
        loop(warmupIterations);
        var n = firstGuess;
        while (true)
        {
            var clock = Stopwatch.StartNew();
            loop(n);
            var seconds = clock.Elapsed.TotalSeconds;
            if (seconds >= minRepeatSeconds / 4)
            {
                n = Math.Max(1, (long)Math.Ceiling(minRepeatSeconds * 1.1 / (seconds / n)));
                break;
            }
            n *= 4;
        }
        var samples = new double[Repeats];
        for (var r = 0; r < Repeats; r++)
        {
            var clock = Stopwatch.StartNew();
            loop(n);
            samples[r] = clock.Elapsed.TotalSeconds / n;
        }
        Array.Sort(samples);
        return samples[Repeats / 2];
    }
}
