using System.Text.Json;
using Cluster.Speech.Models.GridNet;
using Cluster.Speech.Models.Whisper;
using Cluster.Torch;
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

    /// <summary>The TF-GridNetV2 of a checkpoint directory, rebuilt from its <c>config.json</c> and loaded strictly
    /// (the Whisper of a checkpoint loads with <see cref="Whisper.FromPretrained"/>).</summary>
    /// <param name="device">Where the model goes; null keeps it on the CPU.</param>
    /// <exception cref="InvalidDataException">The config or the weights are missing, malformed, or do not fit each
    /// other; the message names the file.</exception>
    public static TFGridNetV2 LoadTFGridNetV2(string directory, Device? device = null)
    {
        ArgumentException.ThrowIfNullOrEmpty(directory);
        string configPath = Path.Combine(directory, CheckpointLayout.ConfigFile);
        string weightsPath = Path.Combine(directory, CheckpointLayout.ModelFile);
        foreach (string path in new[] { configPath, weightsPath })
            if (!File.Exists(path)) throw new InvalidDataException($"{path} is missing");
        TFGridNetV2Config config;
        try
        {
            config = TFGridNetV2Config.Load(configPath);
        }
        catch (Exception e) when (e is JsonException or ArgumentException)
        {
            throw new InvalidDataException($"{configPath}: not a TF-GridNetV2 config: {e.Message}", e);
        }

        var model = new TFGridNetV2(config);
        try
        {
            using (var scope = NewDisposeScope()) model.load_state_dict(load_safetensors(weightsPath), strict: true);
            return device is { } target ? model.to(target) : model;
        }
        catch (ArgumentException e)
        {
            model.Dispose();
            throw new InvalidDataException($"{weightsPath}: the weights do not fit {CheckpointLayout.ConfigFile}: {e.Message}", e);
        }
        catch
        {
            model.Dispose();
            throw;
        }
    }

    private static CheckpointFile Weights(Module model) => new(CheckpointLayout.ModelFile, path =>
    {
        // state_dict hands out new handles; the scope releases them once the file is written.
        using var scope = NewDisposeScope();
        save_safetensors(model.state_dict(), path, PyTorchFormat);
    });
}
