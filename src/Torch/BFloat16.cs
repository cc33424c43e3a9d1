namespace Cluster.Torch;

/// <summary>
/// bfloat16 storage: the upper 16 bits of an IEEE float32. .NET has no such type; this one exists so
/// bf16 tensors can be read and written as spans without a detour through float.
/// </summary>
public readonly record struct BFloat16(ushort Bits)
{
    /// <summary>Rounds to nearest even, as libtorch does.</summary>
    public static explicit operator BFloat16(float value)
    {
        uint bits = BitConverter.SingleToUInt32Bits(value);
        if (float.IsNaN(value)) return new BFloat16(0x7FC0);
        uint roundingBias = 0x7FFFu + ((bits >> 16) & 1u);
        return new BFloat16((ushort)((bits + roundingBias) >> 16));
    }

    public static explicit operator float(BFloat16 value) => BitConverter.UInt32BitsToSingle((uint)value.Bits << 16);

    public override string ToString() => ((float)this).ToString(System.Globalization.CultureInfo.InvariantCulture);
}
