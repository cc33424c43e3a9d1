using Cluster.Speech.Models.GridNet;
using Cluster.Torch;

namespace Cluster.Speech.Tests.Models.GridNet;

/// <summary>One of the ESPnet TF-GridNetV2 goldens in Fixtures/gridnet (see Fixtures/README.md).</summary>
internal static class GridNetGolden
{
    public static string PathOf(string name, string part) =>
        Path.Combine(AppContext.BaseDirectory, "Fixtures", "gridnet", $"{name}.{part}");

    public static TFGridNetV2Config Config(string name) => TFGridNetV2Config.Load(PathOf(name, "config.json"));

    /// <summary>The model with the golden's weights, loaded strictly.</summary>
    public static TFGridNetV2 Model(string name)
    {
        var model = new TFGridNetV2(Config(name));
        var result = model.load_safetensors(PathOf(name, "model.safetensors"), strict: true);
        Assert.Empty(result.MissingKeys);
        Assert.Empty(result.UnexpectedKeys);
        return model;
    }

    /// <summary>mixture, reference, estimate and loss; the caller's dispose scope owns them.</summary>
    public static Dictionary<string, Tensor> Io(string name) => torch.load_safetensors(PathOf(name, "io.safetensors"));

    public static Dictionary<string, Tensor> Grads(string name) => torch.load_safetensors(PathOf(name, "grads.safetensors"));
}
