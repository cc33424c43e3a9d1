using Cluster.Speech.Models.GridNet;
using Cluster.Speech.Models.Whisper;
using Cluster.Torch.Modules;
using static Cluster.Torch.torch;

namespace Cluster.Shared.Checkpoints;

/// <summary>
/// The <c>model.safetensors</c> and <c>config.json</c> of a checkpoint for each model, laid out as
/// <see cref="Whisper.SavePretrained"/> lays them out, so a checkpoint directory is also a Hugging Face model directory
/// (<see cref="Whisper.FromPretrained"/> and <c>transformers</c> load it as it is).
/// </summary>
public static class ModelCheckpointFiles
{
    // transformers refuses safetensors files whose metadata does not say which framework wrote them.
    private static readonly Dictionary<string, string> PyTorchFormat = new() { ["format"] = "pt" };

    public static IReadOnlyList<CheckpointFile> Whisper(Whisper model)
    {
        ArgumentNullException.ThrowIfNull(model);
        return [Weights(model), new CheckpointFile(CheckpointLayout.ConfigFile, model.Config.Save)];
    }

    /// <param name="config">The config <paramref name="model"/> was built from (ESPnet's separator arguments).</param>
    public static IReadOnlyList<CheckpointFile> TFGridNetV2(TFGridNetV2 model, TFGridNetV2Config config)
    {
        ArgumentNullException.ThrowIfNull(model);
        ArgumentNullException.ThrowIfNull(config);
        return [Weights(model), new CheckpointFile(CheckpointLayout.ConfigFile, config.Save)];
    }

    private static CheckpointFile Weights(Module model) => new(CheckpointLayout.ModelFile, path =>
    {
        // state_dict hands out new handles; the scope releases them once the file is written.
        using var scope = NewDisposeScope();
        save_safetensors(model.state_dict(), path, PyTorchFormat);
    });
}
