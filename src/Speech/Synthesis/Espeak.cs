using System.Collections.Concurrent;
using System.ComponentModel;
using System.Diagnostics;
using System.Globalization;

namespace Cluster.Speech.Synthesis;

/// <summary>Runs the espeak-ng command to speak one sentence into a WAV file (22.05 kHz mono PCM16).</summary>
public static class Espeak
{
    public const string Command = "espeak-ng";

    private static readonly ConcurrentDictionary<string, bool> KnownLanguages = new(StringComparer.Ordinal);

    public static void SpeakToWav(string text, EspeakVoice voice, string wavPath)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(text);
        ArgumentNullException.ThrowIfNull(voice);
        // espeak-ng quietly falls back to its default voice for a language it lacks, which would put
        // English speech under another language's transcript; refuse instead.
        if (!KnownLanguages.GetOrAdd(voice.Language, HasLanguage))
            throw new InvalidOperationException($"{Command} has no voice for language '{voice.Language}' (see `{Command} --voices`)");
        string[] arguments = ["-v", voice.VoiceArgument, "-s", voice.WordsPerMinute.ToString(CultureInfo.InvariantCulture),
            "-p", voice.Pitch.ToString(CultureInfo.InvariantCulture), "-w", wavPath, "--stdin"];
        // Text goes through stdin so a sentence can never be mistaken for an option.
        Run(arguments, text, out var exitCode, out var errors);
        // espeak-ng exits 0 even when it cannot write the file, so the file itself is the evidence.
        if (exitCode != 0 || !File.Exists(wavPath) || new FileInfo(wavPath).Length <= 44)
            throw new InvalidOperationException($"{Command} failed to speak \"{text}\" with voice {voice.VoiceArgument} into {wavPath} (exit {exitCode}): {errors}");
    }

    /// <summary>Whether <c>espeak-ng --voices=LANG</c> lists a voice for exactly that language.</summary>
    private static bool HasLanguage(string language)
    {
        var output = Run(["--voices=" + language], input: null, out var exitCode, out _);
        if (exitCode != 0) return false;
        // Columns: priority, language, age/gender, voice name, file, then "(other-language priority)" pairs.
        return output.Split('\n').Skip(1).Any(line =>
        {
            var columns = line.Split(' ', StringSplitOptions.RemoveEmptyEntries);
            return columns.Length > 1 && (columns[1] == language || line.Contains($"({language} ", StringComparison.Ordinal));
        });
    }

    private static string Run(IEnumerable<string> arguments, string? input, out int exitCode, out string errors)
    {
        var start = new ProcessStartInfo(Command)
        {
            RedirectStandardInput = true,
            RedirectStandardError = true,
            RedirectStandardOutput = true,
            UseShellExecute = false,
        };
        foreach (var argument in arguments) start.ArgumentList.Add(argument);
        Process process;
        try
        {
            process = Process.Start(start) ?? throw new InvalidOperationException($"{Command} did not start");
        }
        catch (Win32Exception error)
        {
            throw new InvalidOperationException($"{Command} is not installed or not on PATH (scripts/setup.sh installs it): {error.Message}", error);
        }
        using (process)
        {
            if (input is not null) process.StandardInput.Write(input);
            process.StandardInput.Close();
            var errorText = process.StandardError.ReadToEndAsync();
            var output = process.StandardOutput.ReadToEnd();
            process.WaitForExit();
            exitCode = process.ExitCode;
            errors = errorText.GetAwaiter().GetResult().Trim();
            return output;
        }
    }
}
