namespace Cluster.Torch;

/// <summary>Where a tensor lives: the CPU, or CUDA device <see cref="Index"/>.</summary>
public readonly record struct Device(DeviceType Type, int Index = -1)
{
    public static readonly Device CPU = new(DeviceType.CPU);

    public static Device CUDA(int index = 0) => new(DeviceType.CUDA, index);

    /// <summary>Parses PyTorch spellings: "cpu", "cuda", "cuda:1".</summary>
    public static Device Parse(string text)
    {
        ArgumentNullException.ThrowIfNull(text);
        var trimmed = text.Trim().ToLowerInvariant();
        if (trimmed == "cpu") return CPU;
        if (trimmed == "cuda") return CUDA(0);
        if (trimmed.StartsWith("cuda:", StringComparison.Ordinal)
            && int.TryParse(trimmed.AsSpan(5), System.Globalization.NumberStyles.None,
                System.Globalization.CultureInfo.InvariantCulture, out var index))
            return CUDA(index);
        throw new FormatException($"device '{text}' is not 'cpu', 'cuda' or 'cuda:N'");
    }

    public override string ToString() =>
        Type == DeviceType.CPU ? "cpu" : Index < 0 ? "cuda" : $"cuda:{Index}";
}
