namespace Cluster.Shared.Wire;

/// <summary>The names of the tensors a batch carries from DataNodes to trainers (docs/cluster.md): the one place both
/// sides read them from.</summary>
public static class BatchTensorNames
{
    /// <summary>Whisper: log-Mel features [rows, mel bins, frames], float32 or float16.</summary>
    public const string InputFeatures = "input_features";

    /// <summary>Whisper: the decoder's input tokens [rows, length], int64.</summary>
    public const string DecoderInputIds = "decoder_input_ids";

    /// <summary>Whisper: the tokens to predict [rows, length], int64, -100 where nothing is predicted.</summary>
    public const string Labels = "labels";

    /// <summary>Enhancement: the mixtures [rows, samples], float32.</summary>
    public const string Noisy = "noisy";

    /// <summary>Enhancement: the clean references [rows, samples], float32.</summary>
    public const string Clean = "clean";
}
