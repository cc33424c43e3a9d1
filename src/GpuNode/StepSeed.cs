namespace Cluster.GpuNode;

/// <summary>The random seed of one rank's step, so dropout in a resumed run repeats the original run's.</summary>
public static class StepSeed
{
    public static ulong Of(ulong jobSeed, long step, int rank) => Mix(Mix(Mix(jobSeed) ^ (ulong)step) ^ (ulong)rank);

    // SplitMix64's finaliser: nearby inputs give unrelated seeds.
    private static ulong Mix(ulong z)
    {
        z += 0x9E3779B97F4A7C15UL;
        z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9UL;
        z = (z ^ (z >> 27)) * 0x94D049BB133111EBUL;
        return z ^ (z >> 31);
    }
}
