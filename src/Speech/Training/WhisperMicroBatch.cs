using Cluster.Torch;

namespace Cluster.Speech.Training;

/// <summary>One micro-batch of teacher-forced Whisper training: mel [B, n_mels, frames], decoder input [B, L] and
/// labels [B, L] (int64, -100 where ignored), all on the step's device.</summary>
public sealed record WhisperMicroBatch(Tensor Mel, Tensor DecoderInput, Tensor Labels);
