using Cluster.Torch.Interop;

namespace Cluster.Torch;

/// <summary>
/// A number passed to an op. Integers stay integers, as in PyTorch, so <c>int_tensor + 2</c> keeps
/// int64 while <c>int_tensor + 2.0</c> promotes to float.
/// </summary>
public readonly struct Scalar
{
    private readonly NativeScalar value;

    private Scalar(NativeScalar value) => this.value = value;

    internal NativeScalar Native => value;

    public static implicit operator Scalar(double v) => new(new NativeScalar(v, 0, 0));
    public static implicit operator Scalar(float v) => new(new NativeScalar(v, 0, 0));
    public static implicit operator Scalar(long v) => new(new NativeScalar(v, v, 1));
    public static implicit operator Scalar(int v) => new(new NativeScalar(v, v, 1));
    public static implicit operator Scalar(bool v) => new(new NativeScalar(v ? 1 : 0, v ? 1 : 0, 2));

    public override string ToString() =>
        value.Kind switch
        {
            1 => value.Integer.ToString(System.Globalization.CultureInfo.InvariantCulture),
            2 => value.Integer != 0 ? "True" : "False",
            _ => value.Real.ToString("R", System.Globalization.CultureInfo.InvariantCulture),
        };
}
