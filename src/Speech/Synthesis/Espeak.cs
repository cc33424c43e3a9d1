using System.Diagnostics;

namespace Cluster.Speech.Synthesis;

/// <summary>Runs the espeak-ng command to speak one sentence into a WAV file (22.05 kHz mono PCM16).</summary>
public static class Espeak
{
    public const string Command = "espeak-ng";

    public static void SpeakToWav(string text, EspeakVoice voice, string wavPath)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(text);
        ArgumentNullException.ThrowIfNull(voice);
        var start = new ProcessStartInfo(Command)
        {
            RedirectStandardInput = true,
            RedirectStandardError = true,
            RedirectStandardOutput = true,
            UseShellExecute = false,
        };
        foreach (var argument in new[] { "-v", voice.VoiceArgument, "-s", voice.WordsPerMinute.ToString(System.Globalization.CultureInfo.InvariantCulture),
                     "-p", voice.Pitch.ToString(System.Globalization.CultureInfo.InvariantCulture), "-w", wavPath, "--stdin" })
            start.ArgumentList.Add(argument);
        Process process;
        try
        {
            process = Process.Start(start) ?? throw new InvalidOperationException($"{Command} did not start");
        }
        catch (System.ComponentModel.Win32Exception error)
        {
            throw new InvalidOperationException($"{Command} is not installed or not on PATH (scripts/setup.sh installs it): {error.Message}", error);
        }
        using (process)
        {
            // Text goes through stdin so a sentence can never be mistaken for an option.
            process.StandardInput.Write(text);
            process.StandardInput.Close();
            var errors = process.StandardError.ReadToEndAsync();
            process.StandardOutput.ReadToEnd();
            process.WaitForExit();
            var message = errors.GetAwaiter().GetResult().Trim();
            if (process.ExitCode != 0 || !File.Exists(wavPath) || new FileInfo(wavPath).Length <= 44)
                throw new InvalidOperationException($"{Command} failed to speak \"{text}\" with voice {voice.VoiceArgument} (exit {process.ExitCode}): {message}");
        }
    }
}
