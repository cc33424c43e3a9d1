using static Cluster.Torch.torch;

namespace Cluster.Speech.Tests;

/// <summary>
/// Speech code runs libtorch through the shim; the shim must be copied into the output of every
/// project that references the binding, not only the binding's own.
/// </summary>
public class NativeDeploymentTests
{
    [Fact]
    public void The_shim_is_deployed_next_to_dependent_assemblies_and_loads()
    {
        Assert.True(File.Exists(Path.Combine(AppContext.BaseDirectory, "libtorch_shim.so")));
        using var window = hann_window(400);
        Assert.Equal(new long[] { 400 }, window.shape);
    }
}
