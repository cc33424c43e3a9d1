using System.Runtime.InteropServices;

namespace Cluster.Speech.Audio;

/// <summary>
/// The parts of libsndfile (Debian <c>libsndfile1</c>, 1.2) that the audio reader and writer use.
/// Constants are those of <c>sndfile.h</c>; the headers are not needed at build time.
/// </summary>
internal static unsafe class LibSndFile
{
    internal const string Library = "libsndfile.so.1";
    internal const string DebianPackage = "libsndfile1";

    internal const int ReadMode = 0x10;  // SFM_READ
    internal const int WriteMode = 0x20; // SFM_WRITE

    // Major formats (SF_FORMAT_*), masked by TypeMask.
    internal const int FormatWav = 0x010000;
    internal const int FormatWavex = 0x130000;
    internal const int FormatFlac = 0x170000;
    internal const int FormatOgg = 0x200000;
    internal const int FormatMpeg = 0x230000;

    // Subtypes, masked by SubMask.
    internal const int SubtypePcmS8 = 0x0001;
    internal const int SubtypePcm16 = 0x0002;
    internal const int SubtypePcm24 = 0x0003;
    internal const int SubtypePcm32 = 0x0004;
    internal const int SubtypePcmU8 = 0x0005;
    internal const int SubtypeFloat = 0x0006;
    internal const int SubtypeDouble = 0x0007;
    internal const int SubtypeVorbis = 0x0060;
    internal const int SubtypeOpus = 0x0064;
    internal const int SubtypeMpegLayer3 = 0x0082;

    internal const int SubMask = 0x0000FFFF;
    internal const int TypeMask = 0x0FFF0000;

    // Public error numbers of sf_error; anything larger is an internal detail code with its own message.
    internal const int ErrorNone = 0;
    internal const int ErrorUnrecognisedFormat = 1;
    internal const int ErrorSystem = 2;
    internal const int ErrorUnsupportedEncoding = 4;
    // SFE_BAD_FILE, "File does not exist or is not a regular file": what the MPEG decoder reports when
    // it finds no MPEG frames in a file that does exist.
    internal const int ErrorBadFile = 7;

    internal const int CommandGetFormatInfo = 0x1028; // SFC_GET_FORMAT_INFO

    internal const int SeekSet = 0;

    /// <summary>SF_INFO: the caller fills it before writing; libsndfile fills it on open for reading.</summary>
    [StructLayout(LayoutKind.Sequential)]
    internal struct Info
    {
        public long Frames;
        public int SampleRate;
        public int Channels;
        public int Format;
        public int Sections;
        public int Seekable;
    }

    /// <summary>SF_FORMAT_INFO, for SFC_GET_FORMAT_INFO: the format goes in, its name comes out.</summary>
    [StructLayout(LayoutKind.Sequential)]
    internal struct FormatInfo
    {
        public int Format;
        public byte* Name;
        public byte* Extension;
    }

    [DllImport(Library, ExactSpelling = true)]
    private static extern SndFileHandle sf_open([MarshalAs(UnmanagedType.LPUTF8Str)] string path, int mode, ref Info info);

    [DllImport(Library, ExactSpelling = true)]
    internal static extern int sf_close(IntPtr file);

    [DllImport(Library, ExactSpelling = true)]
    internal static extern int sf_error(SndFileHandle file);

    [DllImport(Library, ExactSpelling = true)]
    internal static extern byte* sf_strerror(SndFileHandle file);

    // The same three functions called with a NULL SNDFILE*, which a SafeHandle parameter cannot carry:
    // the error of the last failed open, and commands about the library rather than a file.
    [DllImport(Library, EntryPoint = "sf_error", ExactSpelling = true)]
    private static extern int sf_error_no_file(IntPtr none);

    [DllImport(Library, EntryPoint = "sf_strerror", ExactSpelling = true)]
    private static extern byte* sf_strerror_no_file(IntPtr none);

    [DllImport(Library, EntryPoint = "sf_command", ExactSpelling = true)]
    private static extern int sf_command_no_file(IntPtr none, int command, void* data, int size);

    [DllImport(Library, ExactSpelling = true)]
    internal static extern long sf_readf_float(SndFileHandle file, float* destination, long frames);

    [DllImport(Library, ExactSpelling = true)]
    internal static extern long sf_writef_float(SndFileHandle file, float* source, long frames);

    [DllImport(Library, ExactSpelling = true)]
    internal static extern long sf_writef_int(SndFileHandle file, int* source, long frames);

    [DllImport(Library, ExactSpelling = true)]
    internal static extern long sf_seek(SndFileHandle file, long frames, int whence);

    [DllImport(Library, ExactSpelling = true)]
    private static extern int sf_format_check(ref Info info);

    /// <summary>The message of the last error on <paramref name="file"/>.</summary>
    internal static string ErrorMessage(SndFileHandle file) =>
        Marshal.PtrToStringUTF8((IntPtr)sf_strerror(file))?.Trim() ?? "unknown libsndfile error";

    // libsndfile keeps the error of the calls made without a file (sf_open, sf_command(NULL, ...), sf_format_check) in
    // one process-wide slot that each of them, on any thread, overwrites (a good open writes "No Error"). They take
    // turns, and an open reads its error in its own turn. Reads and writes on open files, the expensive part, do not.
    private static readonly Lock NoFileTurn = new();

    /// <summary>sf_open; on failure (an invalid handle) also libsndfile's error number and message for it.</summary>
    internal static SndFileHandle Open(string path, int mode, ref Info info, out int errorCode, out string errorMessage)
    {
        lock (NoFileTurn)
        {
            var file = sf_open(path, mode, ref info);
            errorCode = file.IsInvalid ? sf_error_no_file(IntPtr.Zero) : ErrorNone;
            errorMessage = file.IsInvalid
                ? Marshal.PtrToStringUTF8((IntPtr)sf_strerror_no_file(IntPtr.Zero))?.Trim() ?? "unknown libsndfile error"
                : "";
            return file;
        }
    }

    internal static bool CanWrite(ref Info info)
    {
        lock (NoFileTurn) return sf_format_check(ref info) != 0;
    }

    /// <summary>libsndfile's own name of a major format or subtype, e.g. "FLAC (Free Lossless Audio Codec)".</summary>
    internal static string FormatName(int format)
    {
        var info = new FormatInfo { Format = format };
        lock (NoFileTurn)
        {
            if (sf_command_no_file(IntPtr.Zero, CommandGetFormatInfo, &info, sizeof(FormatInfo)) != 0 || info.Name == null)
                return $"0x{format:x}";
        }
        return Marshal.PtrToStringUTF8((IntPtr)info.Name) ?? $"0x{format:x}";
    }

    private static readonly Lazy<bool> Loadable = new(() => NativeLibrary.TryLoad(Library, out _));

    /// <summary>Fails with the Debian package to install, rather than a bare DllNotFoundException from the first call.</summary>
    internal static void Require()
    {
        if (!Loadable.Value)
            throw new DllNotFoundException($"{Library} could not be loaded; install the Debian package {DebianPackage} (scripts/setup.sh does)");
    }
}
