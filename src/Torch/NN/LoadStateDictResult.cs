namespace Cluster.Torch.Modules;

/// <summary>What a non-strict <see cref="Module.load_state_dict"/> left unmatched (PyTorch's named tuple).</summary>
public sealed record LoadStateDictResult(IReadOnlyList<string> MissingKeys, IReadOnlyList<string> UnexpectedKeys);
