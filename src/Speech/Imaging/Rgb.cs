namespace Cluster.Speech.Imaging;

/// <summary>An 8-bit-per-channel sRGB colour.</summary>
public readonly record struct Rgb(byte R, byte G, byte B)
{
    public static Rgb Black { get; } = new(0, 0, 0);

    public static Rgb White { get; } = new(255, 255, 255);

    /// <summary>A colour from components in [0, 1] (clamped), as colormap tables give them.</summary>
    public static Rgb FromUnit(double r, double g, double b) => new(ToByte(r), ToByte(g), ToByte(b));

    private static byte ToByte(double value) => (byte)Math.Round(Math.Clamp(value, 0, 1) * 255);
}
