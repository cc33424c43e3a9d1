using Cluster.Torch;

namespace Cluster.Speech.Training;

/// <summary>One micro-batch of speech-enhancement training: noisy mixtures [B, S] and their clean speech [B, S],
/// float32 on the step's device.</summary>
public sealed record EnhancementMicroBatch(Tensor Noisy, Tensor Clean);
