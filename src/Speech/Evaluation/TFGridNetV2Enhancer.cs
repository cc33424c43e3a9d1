using Cluster.Speech.Models.GridNet;
using Cluster.Torch;
using static Cluster.Torch.torch;

namespace Cluster.Speech.Evaluation;

/// <summary>
/// A TF-GridNetV2 as an <see cref="IEnhancer"/>: each waveform goes through the model on its own, so no padding
/// changes its standard deviation (the model's input normalisation), and the first estimated source is the output.
/// The caller puts the model in eval mode.
/// </summary>
public sealed class TFGridNetV2Enhancer : IEnhancer
{
    private readonly TFGridNetV2 model;
    private readonly Device device;

    /// <param name="device">Where <paramref name="model"/> lives.</param>
    public TFGridNetV2Enhancer(TFGridNetV2 model, Device device)
    {
        ArgumentNullException.ThrowIfNull(model);
        this.model = model;
        this.device = device;
    }

    public IReadOnlyList<float[]> Enhance(IReadOnlyList<float[]> noisy16k)
    {
        ArgumentNullException.ThrowIfNull(noisy16k);
        using var noGrad = no_grad();
        return [.. noisy16k.Select(samples =>
        {
            using var scope = NewDisposeScope();
            var estimate = model.forward(tensor(samples, new long[] { 1, samples.Length }, device)).select(1, 0); // [1, N]
            return estimate.to(Device.CPU).to(DType.Float32).ToArray<float>();
        })];
    }
}
