using System.Runtime.CompilerServices;

// The tests reach FfmpegDecoder directly to run it against an ffmpeg that is not installed.
[assembly: InternalsVisibleTo("Speech.Tests")]
