using Cluster.Shared.Checkpoints;
using Cluster.Speech.Models.GridNet;
using Cluster.Speech.Models.Whisper;
using Cluster.Torch;
using static Cluster.Torch.torch;

namespace Cluster.Shared.Tests.Checkpoints;

/// <summary>A checkpoint directory is also a model directory: the models' own loaders read it as it is.</summary>
public sealed class ModelCheckpointFilesTests : IDisposable
{
    private readonly string root = Path.Combine(Path.GetTempPath(), $"model-checkpoint-{Guid.NewGuid():N}");

    public void Dispose()
    {
        if (Directory.Exists(root)) Directory.Delete(root, recursive: true);
    }

    private static CheckpointFile[] Rest() =>
    [
        CheckpointFile.Bytes(CheckpointLayout.OptimizerFile, [0]),
        CheckpointFile.Bytes(CheckpointLayout.TrainerStateFile, "{}"u8.ToArray()),
    ];

    [Fact]
    public void Whisper_checkpoint_loads_with_FromPretrained()
    {
        using var scope = NewDisposeScope();
        manual_seed(5);
        var config = WhisperConfig.Preset("tiny") with
        {
            DModel = 32,
            EncoderLayers = 1,
            DecoderLayers = 1,
            EncoderAttentionHeads = 2,
            DecoderAttentionHeads = 2,
            EncoderFfnDim = 64,
            DecoderFfnDim = 64,
            MaxSourcePositions = 8,
            MaxTargetPositions = 16,
        };
        using var model = new Whisper(config);
        var store = new CheckpointStore(root);

        CheckpointInfo written = store.Write(10, [.. ModelCheckpointFiles.Whisper(model), .. Rest()]);

        Assert.True(store.Verify(written).IsValid);
        using var loaded = Whisper.FromPretrained(written.Path);
        Assert.Equal(config, loaded.Config);
        Dictionary<string, Tensor> expected = model.state_dict();
        Dictionary<string, Tensor> actual = loaded.state_dict();
        Assert.Equal(expected.Keys.Order(), actual.Keys.Order());
        foreach (var (name, tensor) in expected) Assert.True(tensor.allclose(actual[name], rtol: 0, atol: 0), name);
    }

    [Fact]
    public void TF_GridNetV2_checkpoint_keeps_the_config_it_was_built_from()
    {
        using var scope = NewDisposeScope();
        var config = TFGridNetV2Config.Speech16k with { n_layers = 1, lstm_hidden_units = 8, emb_dim = 8, attn_n_head = 2, n_srcs = 1 };
        using var model = new TFGridNetV2(config);
        var store = new CheckpointStore(root);

        CheckpointInfo written = store.Write(3, [.. ModelCheckpointFiles.TFGridNetV2(model, config), .. Rest()]);

        Assert.Equal(config, TFGridNetV2Config.Load(Path.Combine(written.Path, CheckpointLayout.ConfigFile)));
        Dictionary<string, Tensor> weights = load_safetensors(Path.Combine(written.Path, CheckpointLayout.ModelFile));
        Assert.Equal(model.state_dict().Keys.Order(), weights.Keys.Order());
    }

    [Fact]
    public void TF_GridNetV2_checkpoint_loads_back_with_its_config_and_refuses_weights_that_do_not_fit()
    {
        using var scope = NewDisposeScope();
        manual_seed(2);
        var config = TFGridNetV2Config.Speech16k with { n_layers = 1, lstm_hidden_units = 8, emb_dim = 8, attn_n_head = 2, n_srcs = 1 };
        using var model = new TFGridNetV2(config);
        CheckpointInfo written = new CheckpointStore(root).Write(3, [.. ModelCheckpointFiles.TFGridNetV2(model, config), .. Rest()]);

        using (var loaded = ModelCheckpointFiles.LoadTFGridNetV2(written.Path))
        {
            Assert.Equal(config, loaded.config);
            Dictionary<string, Tensor> actual = loaded.state_dict();
            foreach (var (name, tensor) in model.state_dict()) Assert.True(tensor.allclose(actual[name], rtol: 0, atol: 0), name);
        }

        // A config.json that does not describe the stored weights is named in the error, not loaded half-way.
        string configPath = Path.Combine(written.Path, CheckpointLayout.ConfigFile);
        (config with { n_layers = 2 }).Save(configPath);
        var error = Assert.Throws<InvalidDataException>(() => ModelCheckpointFiles.LoadTFGridNetV2(written.Path));
        Assert.Contains(CheckpointLayout.ModelFile, error.Message);
    }
}
