using static Cluster.Torch.torch;

namespace Cluster.Speech.Tests.Features;

/// <summary>A fixture clip and the features upstream Whisper computed from it (Fixtures/README.md).</summary>
internal sealed record WhisperGolden(float[] Pcm, IReadOnlyDictionary<string, float[]> Features)
{
    public static WhisperGolden Load(string clip)
    {
        var path = Path.Combine(AppContext.BaseDirectory, "Fixtures", "whisper", $"{clip}.logmel.safetensors");
        using var scope = NewDisposeScope();
        var tensors = load_safetensors(path);
        var features = tensors.Where(t => t.Key != "pcm").ToDictionary(t => t.Key, t => t.Value.ToArray<float>());
        return new WhisperGolden(tensors["pcm"].ToArray<float>(), features);
    }
}
