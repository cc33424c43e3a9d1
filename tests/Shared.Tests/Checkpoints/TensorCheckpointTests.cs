using Cluster.Shared.Checkpoints;
using Cluster.Shared.Planning;
using Cluster.Torch;
using Cluster.Torch.Modules;
using Cluster.Torch.Optim;
using static Cluster.Torch.torch;

namespace Cluster.Shared.Tests.Checkpoints;

/// <summary>A checkpoint of a real model and optimizer, written through the store and read back with the Torch APIs.</summary>
public sealed class TensorCheckpointTests : IDisposable
{
    private readonly string root = Path.Combine(Path.GetTempPath(), $"tensor-checkpoint-{Guid.NewGuid():N}");

    public void Dispose()
    {
        if (Directory.Exists(root)) Directory.Delete(root, recursive: true);
    }

    [Fact]
    public void Model_optimizer_and_trainer_state_come_back_as_they_were_saved()
    {
        using var scope = NewDisposeScope();
        manual_seed(3);
        using var model = new Linear(4, 3);
        using var optimizer = optim.AdamW(model.named_parameters(), lr: 0.01);
        for (int step = 0; step < 2; step++)
        {
            optimizer.zero_grad();
            model.forward(randn(5, 4)).pow(2).mean().backward();
            optimizer.step();
        }

        using OptimizerState optimizerState = optimizer.state_dict();
        Dictionary<string, Tensor> weights = model.state_dict();
        var trainerState = new TrainerState(2, 0, new LedgerCursor(0, 1, 10, [new CommittedRange(0, 2)]), null, 7,
            new Dictionary<string, string>(), [], 0, "name: test\n");
        var store = new CheckpointStore(root);

        store.Write(2, [
            CheckpointFile.Tensors(CheckpointLayout.ModelFile, weights, new Dictionary<string, string> { ["format"] = "pt" }),
            CheckpointFile.Optimizer(optimizerState),
            trainerState.ToFile(),
            CheckpointFile.Bytes(CheckpointLayout.ConfigFile, "{\"in_features\": 4, \"out_features\": 3}"u8.ToArray()),
        ]);

        CheckpointVerdict chosen = store.LatestValid().Chosen!;
        Assert.True(chosen.IsValid, chosen.Problem);
        Dictionary<string, Tensor> loaded = load_safetensors(Path.Combine(chosen.Checkpoint.Path, CheckpointLayout.ModelFile));
        Assert.Equal(weights.Keys.Order(), loaded.Keys.Order());
        foreach (var (name, tensor) in weights) Assert.True(tensor.allclose(loaded[name], rtol: 0, atol: 0), name);

        string optimizerPath = Path.Combine(chosen.Checkpoint.Path, CheckpointLayout.OptimizerFile);
        Dictionary<string, Tensor> optimizerTensors = load_safetensors(optimizerPath);
        using var file = Cluster.Torch.Safetensors.SafetensorsFile.Open(optimizerPath);
        using OptimizerState restored = OptimizerState.FromTensors(optimizerTensors, file.Metadata);
        using var fresh = optim.AdamW(model.named_parameters(), lr: 0.5);
        fresh.load_state_dict(restored);
        Assert.Equal(0.01, fresh.param_groups[0].lr);
        foreach (var (name, entries) in optimizerState.State)
            foreach (var (key, tensor) in entries)
                Assert.True(tensor.allclose(restored.State[name][key], rtol: 0, atol: 0), $"{name}.{key}");

        Assert.Equal(trainerState, TrainerState.Load(Path.Combine(chosen.Checkpoint.Path, CheckpointLayout.TrainerStateFile)));
    }
}
