using Cluster.Speech.Training;
using WhisperModel = Cluster.Speech.Models.Whisper.Whisper;

namespace Cluster.Speech.Tests.Models.Whisper;

/// <summary>
/// The configuration's FLOP count against the model that is trained: every weight matrix of the built tiny Whisper
/// (by its Hugging Face name) times the positions it is applied at, plus the attention products, times 3.
/// </summary>
public sealed class TrainingFlopsTests
{
    [Fact]
    public void Whisper_flops_are_the_built_models_weights_applied_at_their_positions()
    {
        var config = TinyWhisper.Config;
        using var model = new WhisperModel(config);
        const long rows = 3, length = 12;
        double source = config.MaxSourcePositions, d = config.DModel;
        double forward = 0;
        foreach (var (name, parameter) in model.named_parameters())
        {
            if (!name.EndsWith(".weight", StringComparison.Ordinal) || parameter.dim() < 2) continue;
            double weights = parameter.numel();
            double positions = name switch
            {
                _ when name.Contains("conv1", StringComparison.Ordinal) => config.InputFrames,
                _ when name.Contains("conv2", StringComparison.Ordinal) => source,
                _ when name.Contains("embed_positions", StringComparison.Ordinal) => 0, // a lookup
                _ when name.Contains("embed_tokens", StringComparison.Ordinal) => length, // tied output projection
                _ when name.Contains("encoder_attn.k_proj", StringComparison.Ordinal) || name.Contains("encoder_attn.v_proj", StringComparison.Ordinal) => source,
                _ when name.Contains(".encoder.", StringComparison.Ordinal) => source,
                _ => length,
            };
            forward += 2 * weights * positions;
        }
        forward += config.EncoderLayers * 4 * source * source * d + config.DecoderLayers * (4 * length * length * d + 4 * length * source * d);

        Assert.Equal(3 * rows * forward, TrainingFlops.Whisper(config, rows, length), 3 * rows * forward * 1e-12);
    }
}
