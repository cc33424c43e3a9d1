using Cluster.Speech.Models.GridNet;
using Cluster.Speech.Models.Whisper;

namespace Cluster.Speech.Training;

/// <summary>
/// The floating-point operations a training step costs, counted from the model's configuration and the batch's shape
/// (a multiply-add is 2), as MFU figures are: the matrix products and convolutions of the forward pass, times 3 for
/// forward and backward. Normalisations, activations and the optimizer are left out; they are a few percent.
/// </summary>
public static class TrainingFlops
{
    /// <summary>Backward costs about twice the forward: gradients of both the inputs and the weights.</summary>
    public const double ForwardAndBackward = 3;

    /// <summary>Whisper over <paramref name="rows"/> examples whose decoder inputs are <paramref name="decoderLength"/> long.</summary>
    public static double Whisper(WhisperConfig config, long rows, long decoderLength)
    {
        ArgumentNullException.ThrowIfNull(config);
        double d = config.DModel, source = config.MaxSourcePositions, length = decoderLength;
        // The two convolutions of the stem (kernel 3): over every input frame, then with stride 2 over the positions.
        double stem = 2.0 * 3 * config.NumMelBins * d * config.InputFrames + 2.0 * 3 * d * d * source;
        // Per layer: the four attention projections, the two FFN matrices, then scores and weighted values.
        double encoder = config.EncoderLayers * (source * (8 * d * d + 4 * d * config.EncoderFfnDim) + 4 * source * source * d);
        double decoder = config.DecoderLayers * (
            length * (8 * d * d + 4 * d * config.DecoderFfnDim) + 4 * length * length * d // self-attention and FFN
            + 4 * d * d * length + 4 * d * d * source + 4 * length * source * d);         // cross-attention
        double logits = 2 * d * config.VocabSize * length;
        return ForwardAndBackward * rows * (stem + encoder + decoder + logits);
    }

    /// <summary>TF-GridNetV2 over <paramref name="rows"/> waveforms of <paramref name="samples"/> samples.</summary>
    public static double GridNet(TFGridNetV2Config config, long rows, long samples)
    {
        ArgumentNullException.ThrowIfNull(config);
        double frames = samples / config.stride + 1, freqs = config.n_freqs;
        double c = config.emb_dim, h = config.lstm_hidden_units, ks = config.emb_ks, hs = config.emb_hs;
        double heads = config.attn_n_head, e = Math.Ceiling((double)config.attn_approx_qk_dim / freqs);
        // A bidirectional LSTM step: 4 gates of (input + hidden) × hidden, each direction; then back to the embedding.
        double lstmStep = 2 * 8 * h * (c * ks + h) + 2 * 2 * h * c * ks;
        double intra = frames * (Math.Ceiling(Math.Max(0, freqs - ks) / hs) + 1) * lstmStep;
        double inter = freqs * (Math.Ceiling(Math.Max(0, frames - ks) / hs) + 1) * lstmStep;
        double positions = frames * freqs;
        double attention = heads * (2 * 2 * c * e * positions + 2 * c * (c / heads) * positions) // queries, keys, values
            + heads * (2 * frames * frames * e * freqs + 2 * frames * frames * (c / heads) * freqs) // scores, weighted values
            + 2 * c * c * positions;                                                              // output projection
        double encoder = 2.0 * 9 * 2 * config.n_imics * c * positions;
        double decoder = 2.0 * 9 * c * 2 * config.n_srcs * positions;
        return ForwardAndBackward * rows * (encoder + config.n_layers * (intra + inter + attention) + decoder);
    }
}
