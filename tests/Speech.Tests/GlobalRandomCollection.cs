namespace Cluster.Speech.Tests;

/// <summary>
/// Tests that seed libtorch's global generator (manual_seed) and rely on what it draws next, for model weights or
/// batches, run alone: the generator is process-wide, so a test in a parallel collection drawing from it between the
/// seed and the draw changes the numbers (two "identically seeded" models then differ).
/// </summary>
[CollectionDefinition(Name, DisableParallelization = true)]
public sealed class GlobalRandomCollection
{
    public const string Name = "Global random generator";
}
