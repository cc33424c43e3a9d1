using Cluster.Speech.Training;
using Cluster.Torch;

namespace Cluster.Speech.Tests.Training;

/// <summary>Which arithmetic each device gets for each request.</summary>
public sealed class TrainingPrecisionTests
{
    [Theory]
    [InlineData(Precision.BFloat16)]
    [InlineData(Precision.Float16)]
    public void Reduced_precision_asked_for_on_the_CPU_falls_back_to_float32_and_says_so(Precision requested)
    {
        var precision = TrainingPrecision.Resolve(requested, Device.CPU);

        Assert.Null(precision.AutocastDType);
        Assert.False(precision.LossScaling);
        Assert.Equal(requested, precision.Requested);
        Assert.Contains(requested.ToString(), precision.Decision, StringComparison.Ordinal);
        Assert.Contains("float32", precision.Decision, StringComparison.Ordinal);
    }

    [Fact]
    public void Float32_on_the_CPU_uses_neither_autocast_nor_loss_scaling()
    {
        var precision = TrainingPrecision.Resolve(Precision.Float32, Device.CPU);

        Assert.Null(precision.AutocastDType);
        Assert.False(precision.LossScaling);
    }

    [Fact]
    public void CUDA_bfloat16_autocasts_without_loss_scaling()
    {
        var precision = TrainingPrecision.Resolve(Precision.BFloat16, Device.CUDA(0));

        Assert.Equal(DType.BFloat16, precision.AutocastDType);
        Assert.False(precision.LossScaling);
    }

    [Fact]
    public void CUDA_float16_autocasts_with_dynamic_loss_scaling()
    {
        var precision = TrainingPrecision.Resolve(Precision.Float16, Device.CUDA(1));

        Assert.Equal(DType.Float16, precision.AutocastDType);
        Assert.True(precision.LossScaling);
        Assert.Equal(Device.CUDA(1), precision.Device);
    }

    [Fact]
    public void An_undefined_precision_is_refused()
    {
        Assert.Throws<ArgumentOutOfRangeException>(() => TrainingPrecision.Resolve((Precision)7, Device.CPU));
    }
}
