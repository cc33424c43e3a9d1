namespace Cluster.Speech.Tests;

/// <summary>
/// Tests that read the process's resident memory run alone, after the parallel ones: another test
/// allocating at the same time would move the reading.
/// </summary>
[CollectionDefinition(Name, DisableParallelization = true)]
public sealed class SerialCollection
{
    public const string Name = "Serial (resident memory)";
}
