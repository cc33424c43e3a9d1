using Cluster.Torch;
using Cluster.Torch.Optim;

namespace Cluster.Shared.Checkpoints;

/// <summary>
/// One file to put into a checkpoint: its name and how to write it to a given path. The store decides where (a
/// temporary directory) and hashes what was written, so any writer fits: safetensors of model or optimizer tensors,
/// JSON, or a model's own <c>Save</c>.
/// </summary>
public sealed record CheckpointFile(string Name, Action<string> Write)
{
    public static CheckpointFile Bytes(string name, byte[] content)
    {
        ArgumentNullException.ThrowIfNull(content);
        return new CheckpointFile(name, path => File.WriteAllBytes(path, content));
    }

    /// <summary>Tensors by name as safetensors (<c>model.safetensors</c> takes Hugging Face names and
    /// <c>{"format": "pt"}</c> metadata, which <c>transformers</c> requires).</summary>
    public static CheckpointFile Tensors(string name, IReadOnlyDictionary<string, Tensor> tensors, IReadOnlyDictionary<string, string>? metadata = null)
    {
        ArgumentNullException.ThrowIfNull(tensors);
        return new CheckpointFile(name, path => torch.save_safetensors(tensors, path, metadata));
    }

    /// <summary>An optimizer's state as <c>optimizer.safetensors</c>, in <see cref="OptimizerState.ToTensors"/>'s layout.</summary>
    public static CheckpointFile Optimizer(OptimizerState state)
    {
        ArgumentNullException.ThrowIfNull(state);
        return new CheckpointFile(CheckpointLayout.OptimizerFile, path =>
        {
            var (tensors, metadata) = state.ToTensors();
            try
            {
                torch.save_safetensors(tensors, path, metadata);
            }
            finally
            {
                foreach (Tensor tensor in tensors.Values) tensor.Dispose();
            }
        });
    }
}
