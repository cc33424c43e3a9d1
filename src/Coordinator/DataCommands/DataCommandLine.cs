using System.CommandLine;
using System.Globalization;
using Cluster.Shared.Cli;
using Cluster.Speech.Audio;
using Cluster.Speech.Data;
using Cluster.Speech.Synthesis;
using Cluster.Speech.Text;
using Cluster.Speech.Validation;

namespace Cluster.Coordinator.DataCommands;

/// <summary>
/// <c>cluster data validate|synth|prepare</c>: thin command-line faces of the data plane's validation,
/// corpus synthesis and media preparation. Options are checked before anything is written.
/// </summary>
public static class DataCommandLine
{
    public static Command Validate(TextWriter output, TextWriter error)
    {
        var manifest = new Argument<string>("manifest") { Description = "ASR manifest (Common Voice TSV, metadata.csv/jsonl, Kaldi dir, JSONL) or enhancement pairs (.csv/.tsv/.jsonl with noisy/clean)" };
        var enhancement = new Option<bool>("--enhancement") { Description = "The manifest lists noisy/clean pairs" };
        var tokenizer = new Option<string?>("--tokenizer") { Description = "multilingual.tiktoken or a Hugging Face tokenizer folder, to check label lengths" };
        var json = new Option<string?>("--json") { Description = "Write the full report as JSON here" };
        var quarantine = new Option<string?>("--quarantine") { Description = "Write the ids of unusable items here, one per line" };
        var maxBad = new Option<double>("--max-bad-fraction") { Description = "Refuse training above this share of unusable items", DefaultValueFactory = _ => ValidationPolicy.Default.MaxBadFraction };
        var command = new Command("validate", "Check audio and transcripts before training; exits 1 when training should not start.");
        command.Arguments.Add(manifest);
        foreach (var option in new Option[] { enhancement, tokenizer, json, quarantine, maxBad }) command.Options.Add(option);
        command.SetAction(result =>
        {
            ValidationPolicy policy;
            WhisperTokenizer? loaded = null;
            ValidationReport report;
            try
            {
                policy = ValidationPolicy.Default with { MaxBadFraction = result.GetValue(maxBad) };
                if (result.GetValue(tokenizer) is { } tokenizerPath)
                    loaded = Directory.Exists(tokenizerPath) ? WhisperTokenizer.FromHuggingFace(tokenizerPath) : WhisperTokenizer.FromTiktoken(tokenizerPath);
                var validator = new DataValidator(tokenizer: loaded);
                var path = result.GetValue(manifest)!;
                report = result.GetValue(enhancement)
                    ? validator.Validate(EnhancementManifestReader.Read(path))
                    : validator.Validate(ManifestReader.Read(path));
            }
            catch (Exception problem) when (problem is ArgumentException or IOException or FormatException or InvalidDataException)
            {
                error.WriteLine($"cluster data validate: {problem.Message}");
                return ExitCodes.Usage;
            }
            report.RenderTable(output);
            if (result.GetValue(json) is { } jsonPath) report.WriteJson(jsonPath);
            if (result.GetValue(quarantine) is { } quarantinePath) report.WriteQuarantine(quarantinePath);
            var refusal = report.RefusalReason(policy);
            if (refusal is null) return ExitCodes.Ok;
            error.WriteLine($"cluster data validate: training would refuse to start: {refusal}");
            return ExitCodes.Failure;
        });
        return command;
    }

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
