using System.Diagnostics;
using System.Runtime.InteropServices;

namespace Cluster.Speech.Tests.Audio;

/// <summary>The ffmpeg CLI as an independent maker and decoder of test files.</summary>
public static class Ffmpeg
{
    /// <summary>Runs <c>ffmpeg -v error -nostdin -y ARGS</c>; fails the test with ffmpeg's stderr if it fails.</summary>
    public static byte[] Run(params string[] arguments)
    {
        var start = new ProcessStartInfo("ffmpeg") { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        foreach (var argument in (string[])["-v", "error", "-nostdin", "-y", .. arguments]) start.ArgumentList.Add(argument);
        using var process = Process.Start(start)!;
        var stderr = process.StandardError.ReadToEndAsync();
        using var stdout = new MemoryStream();
        process.StandardOutput.BaseStream.CopyTo(stdout);
        process.WaitForExit();
        Assert.True(process.ExitCode == 0, $"ffmpeg {string.Join(' ', arguments)} failed: {stderr.Result}");
        return stdout.ToArray();
    }

    /// <summary>Decodes a file as ffmpeg sees it: float32 samples, native rate and channels.</summary>
    public static float[] Decode(string path) =>
        MemoryMarshal.Cast<byte, float>(Run("-i", path, "-f", "f32le", "-")).ToArray();

    /// <summary>Writes samples as raw float32 (ffmpeg input with <c>-f f32le -ar RATE -ac CHANNELS</c>).</summary>
    public static void WriteRaw(string path, ReadOnlySpan<float> samples) =>
        File.WriteAllBytes(path, MemoryMarshal.AsBytes(samples).ToArray());
}
