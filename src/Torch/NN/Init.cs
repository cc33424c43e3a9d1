namespace Cluster.Torch.Modules;

/// <summary>
/// PyTorch's default initialisations (torch.nn.init), drawing from the global generator in the
/// same order and with the same bounds as PyTorch, so a seeded model starts from the same values.
/// </summary>
internal static class Init
{
    /// <summary>
    /// Weight and bias of Linear and convolutions: kaiming_uniform_(a=√5) for the weight, which
    /// bounds it by 1/√fan_in, and U(-1/√fan_in, 1/√fan_in) for the bias.
    /// </summary>
    public static (Parameter weight, Parameter? bias) WeightAndBias(long[] weightShape, long biasLength, bool hasBias)
    {
        var fanIn = weightShape[1];
        for (var i = 2; i < weightShape.Length; i++) fanIn *= weightShape[i];
        // Computed exactly as kaiming_uniform_ does, so the bound matches PyTorch's to the last bit.
        var a = Math.Sqrt(5);
        var gain = Math.Sqrt(2.0 / (1 + a * a));
        var weightBound = fanIn == 0 ? 0 : Math.Sqrt(3.0) * (gain / Math.Sqrt(fanIn));
        var weight = Uniform(weightShape, weightBound);
        var bias = hasBias ? Uniform([biasLength], fanIn == 0 ? 0 : 1 / Math.Sqrt(fanIn)) : null;
        return (weight, bias);
    }

    public static Parameter Uniform(long[] shape, double bound)
    {
        using var data = torch.empty(shape);
        data.uniform_(-bound, bound);
        return new Parameter(data);
    }

    public static Parameter Normal(long[] shape)
    {
        using var data = torch.empty(shape);
        data.normal_();
        return new Parameter(data);
    }

    public static Parameter Full(long[] shape, double value)
    {
        using var data = torch.full(shape, value);
        return new Parameter(data);
    }
}
