using Cluster.GpuNode;
using Cluster.Shared.Checkpoints;
using Cluster.Torch;

namespace Cluster.Integration.Tests;

/// <summary>A model's parameters as float arrays by checkpoint name, for comparing runs.</summary>
internal static class Weights
{
    public static Dictionary<string, float[]> OfCheckpoint(string directory)
    {
        var tensors = torch.load_safetensors(Path.Combine(directory, CheckpointLayout.ModelFile));
        try
        {
            return tensors.ToDictionary(t => t.Key, t => t.Value.to(DType.Float32).ToArray<float>());
        }
        finally
        {
            foreach (Tensor tensor in tensors.Values) tensor.Dispose();
        }
    }

    public static Dictionary<string, float[]> Of(TrainerCore core) =>
        core.Parameters.ToDictionary(p => p.Name, p => p.Parameter.detach().to(DType.Float32).ToArray<float>());

    public static void AssertSame(Dictionary<string, float[]> expected, Dictionary<string, float[]> actual, double tolerance)
    {
        // A checkpoint also holds the tied output projection; compare what both sides have, and all of the expected side's.
        foreach (var (name, values) in expected)
        {
            Assert.True(actual.TryGetValue(name, out float[]? other), $"{name} is missing");
            Assert.Equal(values.Length, other.Length);
            for (int k = 0; k < values.Length; k++)
                Assert.True(Math.Abs(values[k] - other[k]) <= tolerance, $"{name}[{k}]: {other[k]} vs {values[k]}");
        }
    }
}
