using System.Runtime.InteropServices;

namespace Cluster.Speech.Audio;

/// <summary>
/// The parts of libsoxr (Debian <c>libsoxr0</c>, 0.1.3) that <see cref="Resampler"/> uses. Errors are
/// returned as C strings (NULL on success). Samples are float32, interleaved, which is soxr's default
/// I/O type, so no io spec is passed.
/// </summary>
internal static unsafe class LibSoxr
{
    internal const string Library = "libsoxr.so.0";
    internal const string DebianPackage = "libsoxr0";

    /// <summary>SOXR_HQ (= SOXR_20_BITQ): 20-bit precision, the quality sox itself uses by default.</summary>
    internal const ulong HighQuality = 4;

    /// <summary>soxr_quality_spec_t.</summary>
    [StructLayout(LayoutKind.Sequential)]
    internal struct QualitySpec
    {
        public double Precision;
        public double PhaseResponse;
        public double PassbandEnd;
        public double StopbandBegin;
        public void* Reserved;
        public ulong Flags;
    }

    [DllImport(Library, ExactSpelling = true)]
    internal static extern QualitySpec soxr_quality_spec(ulong recipe, ulong flags);

    [DllImport(Library, ExactSpelling = true)]
    internal static extern IntPtr soxr_create(double inputRate, double outputRate, uint channels, byte** error,
        void* ioSpec, QualitySpec* qualitySpec, void* runtimeSpec);

    /// <summary>Passing <paramref name="input"/> = NULL with length 0 tells soxr the input has ended (flush).</summary>
    [DllImport(Library, ExactSpelling = true)]
    internal static extern byte* soxr_process(IntPtr resampler, float* input, nuint inputFrames, nuint* inputDone,
        float* output, nuint outputFrames, nuint* outputDone);

    [DllImport(Library, ExactSpelling = true)]
    internal static extern byte* soxr_oneshot(double inputRate, double outputRate, uint channels,
        float* input, nuint inputFrames, nuint* inputDone, float* output, nuint outputFrames, nuint* outputDone,
        void* ioSpec, QualitySpec* qualitySpec, void* runtimeSpec);

    [DllImport(Library, ExactSpelling = true)]
    internal static extern void soxr_delete(IntPtr resampler);

    private static readonly Lazy<bool> Loadable = new(() => NativeLibrary.TryLoad(Library, out _));

    /// <summary>Fails with the Debian package to install, rather than a bare DllNotFoundException from the first call.</summary>
    internal static void Require()
    {
        if (!Loadable.Value)
            throw new DllNotFoundException($"{Library} could not be loaded; install the Debian package {DebianPackage} (scripts/setup.sh does)");
    }

    internal static string? Message(byte* error) => error == null ? null : Marshal.PtrToStringUTF8((IntPtr)error);
}
