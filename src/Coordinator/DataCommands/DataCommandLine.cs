using System.CommandLine;
using System.Globalization;
using Cluster.Shared.Cli;
using Cluster.Speech.Audio;
using Cluster.Speech.Synthesis;

namespace Cluster.Coordinator.DataCommands;

/// <summary>
/// <c>cluster data synth</c> and <c>cluster data prepare</c>: thin command-line faces of the data
/// plane's corpus synthesis and media preparation. Options are checked before anything is written.
/// </summary>
public static class DataCommandLine
{
    public static Command Synth(TextWriter output, TextWriter error)
    {
        var directory = new Argument<string>("output") { Description = "Folder to write the corpus into" };
        var languages = new Option<string>("--languages") { Description = "espeak-ng languages, comma-separated (cmn, en)", DefaultValueFactory = _ => "cmn" };
        var utterances = new Option<int>("--utterances") { Description = "Number of utterances (an upper bound with --hours)", DefaultValueFactory = _ => 100 };
        var hours = new Option<double?>("--hours") { Description = "Stop once this many hours of audio exist" };
        var seed = new Option<ulong>("--seed") { Description = "Seed: the same seed gives the same corpus", DefaultValueFactory = _ => 1 };
        var enhancement = new Option<bool>("--enhancement") { Description = "Write a noisy/clean enhancement set instead of a Common Voice folder" };
        var snr = new Option<string>("--snr") { Description = "Enhancement SNRs in dB, comma-separated", DefaultValueFactory = _ => "-5,0,5,10" };
        var command = new Command("synth", "Synthesize a speech corpus (Common Voice layout) or an enhancement set with espeak-ng.");
        command.Arguments.Add(directory);
        foreach (var option in new Option[] { languages, utterances, hours, seed, enhancement, snr }) command.Options.Add(option);
        command.SetAction(result =>
        {
            CorpusSynthesisOptions speech;
            double[] snrs;
            try
            {
                speech = new CorpusSynthesisOptions
                {
                    Languages = SplitList(result.GetValue(languages)!),
                    Utterances = result.GetValue(hours) is null ? result.GetValue(utterances) : int.MaxValue,
                    TargetHours = result.GetValue(hours),
                    Seed = result.GetValue(seed),
                };
                speech.Validate();
                snrs = SplitList(result.GetValue(snr)!).Select(s => double.Parse(s, CultureInfo.InvariantCulture)).ToArray();
            }
            catch (Exception problem) when (problem is ArgumentException or FormatException)
            {
                error.WriteLine($"cluster data synth: {problem.Message}");
                return ExitCodes.Usage;
            }
            var target = result.GetValue(directory)!;
            if (result.GetValue(enhancement))
            {
                var pairs = EnhancementCorpusSynthesizer.Write(target, new EnhancementSynthesisOptions { Speech = speech, SnrDb = snrs, Seed = speech.Seed });
                output.WriteLine($"wrote {pairs.Count} noisy/clean pairs ({pairs.Sum(p => p.Duration) / 60:F1} min) and {Path.Combine(target, EnhancementCorpusSynthesizer.ManifestName)}");
            }
            else
            {
                var corpus = CorpusSynthesizer.Write(target, speech);
                output.WriteLine($"wrote {corpus.Count} utterances ({corpus.TotalSeconds / 60:F1} min): " +
                    string.Join(", ", corpus.Splits.Select(s => $"{s.Key}.tsv {s.Value.Count}")) + $" in {corpus.Directory}");
            }
            return ExitCodes.Ok;
        });
        return command;
    }

    public static Command Prepare(TextWriter output, TextWriter error)
    {
        var directory = new Argument<string>("output") { Description = "Folder for the 16 kHz windows and manifest.jsonl" };
        var inputs = new Argument<string[]>("inputs") { Description = "Audio or video files", Arity = ArgumentArity.OneOrMore };
        var window = new Option<double>("--window") { Description = "Window length in seconds", DefaultValueFactory = _ => 10 };
        var overlap = new Option<double>("--overlap") { Description = "Overlap of consecutive windows in seconds", DefaultValueFactory = _ => 2 };
        var command = new Command("prepare", "Turn videos or long recordings into overlapping 16 kHz windows and a manifest for pseudo-labelling.");
        command.Arguments.Add(directory);
        command.Arguments.Add(inputs);
        command.Options.Add(window);
        command.Options.Add(overlap);
        command.SetAction(result =>
        {
            MediaPreparation preparation;
            try
            {
                preparation = new MediaPreparation(new MediaPreparationOptions { WindowSeconds = result.GetValue(window), OverlapSeconds = result.GetValue(overlap) });
            }
            catch (ArgumentException problem)
            {
                error.WriteLine($"cluster data prepare: {problem.Message}");
                return ExitCodes.Usage;
            }
            var prepared = preparation.Prepare(result.GetValue(inputs)!, result.GetValue(directory)!);
            foreach (var failure in prepared.Failures) error.WriteLine($"cluster data prepare: skipped {failure.Message}");
            output.WriteLine($"wrote {prepared.Windows.Count} windows and {prepared.ManifestPath}");
            return prepared.Failures.Count == 0 ? ExitCodes.Ok : ExitCodes.Failure;
        });
        return command;
    }

    private static string[] SplitList(string text) =>
        text.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
}
