using System.Text.Json;
using Cluster.Speech.Models.Whisper;
using Cluster.Torch;
using Cluster.Torch.Modules;
using static Cluster.Torch.torch;
using WhisperModel = Cluster.Speech.Models.Whisper.Whisper;

namespace Cluster.Speech.Tests.Models.Whisper;

/// <summary>The golden tiny Whisper (Fixtures/README.md) and the decoding reference of tests/tools/whisper_reference.py.</summary>
internal static class TinyWhisper
{
    public static string Fixture(string suffix) => Path.Combine(AppContext.BaseDirectory, "Fixtures", "whisper", $"tiny_whisper.{suffix}");

    public static WhisperConfig Config => WhisperConfig.Load(Fixture("config.json"));

    /// <summary>The golden weights loaded strictly, by their Hugging Face names, into a model built from the golden config.</summary>
    public static WhisperModel Load()
    {
        var model = new WhisperModel(Config);
        model.load_safetensors(Fixture("model.safetensors"), strict: true);
        return model.eval();
    }

    /// <summary>mel [2, 80, 200], tokens and labels [2, 12], logits [2, 12, 1024], loss [1]; owned by the caller's scope.</summary>
    public static Dictionary<string, Tensor> Io() => load_safetensors(Fixture("io.safetensors"));

    /// <summary>Lays the golden files out as a Hugging Face checkpoint directory.</summary>
    public static void CopyAsCheckpoint(string directory)
    {
        File.Copy(Fixture("config.json"), Path.Combine(directory, "config.json"));
        File.Copy(Fixture("model.safetensors"), Path.Combine(directory, "model.safetensors"));
    }

    public static JsonElement Decodes { get; } = JsonDocument.Parse(File.ReadAllText(Fixture("decode.json"))).RootElement;

    public static IEnumerable<(int[] Tokens, double SumLogProbability)> ReferenceItems(string search) =>
        Decodes.GetProperty(search).GetProperty("items").EnumerateArray().Select(item => (
            item.GetProperty("tokens").EnumerateArray().Select(t => t.GetInt32()).ToArray(),
            item.GetProperty("sum_logprob").GetDouble()));

    /// <summary>Largest |a - b| over all elements.</summary>
    public static double MaxAbsDifference(Tensor a, Tensor b)
    {
        using var scope = NewDisposeScope();
        return (a - b).abs().max().item<double>();
    }
}
