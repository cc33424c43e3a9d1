using System.Diagnostics;
using System.Globalization;
using Cluster.Coordinator.Runtime;
using Cluster.Shared.Checkpoints;
using Cluster.Shared.Cli;
using Cluster.Shared.Jobs;
using Cluster.Speech.Data;
using Cluster.Speech.Evaluation;
using Cluster.Speech.Models.GridNet;
using Cluster.Torch;
using Cluster.Torch.Modules;
using WhisperModel = Cluster.Speech.Models.Whisper.Whisper;

namespace Cluster.Coordinator.Evaluation;

/// <summary>
/// <c>cluster eval</c>: loads a verified checkpoint of a job (the newest valid one unless told which), runs it over a
/// manifest with the evaluations of <c>Cluster.Speech.Evaluation</c> and writes their report: every utterance in a
/// CSV, a Markdown and a JSON summary, and for enhancement PNG plots. The report is written into a hidden folder beside
/// its destination and renamed into place at the end, so the destination holds a whole report or none.
/// </summary>
public static class EvalRun
{
    private const string Name = "cluster eval";

    public static int Run(EvalOptions options, TextWriter output, TextWriter error)
    {
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(output);
        ArgumentNullException.ThrowIfNull(error);
        void Say(string message) => error.WriteLine($"{Name}: {message}");

        var problems = options.Problems();
        if (problems.Count > 0)
        {
            foreach (string problem in problems) Say(problem);
            return ExitCodes.Usage;
        }

        string jobPath = Path.GetFullPath(options.JobPath);
        JobSpec job;
        try
        {
            job = JobSpecLoader.Load(jobPath);
        }
        catch (JobSpecException problem)
        {
            Say(problem.Message);
            return ExitCodes.Usage;
        }
        catch (FileNotFoundException problem)
        {
            Say(problem.Message);
            return ExitCodes.Failure;
        }

        if (job.Model.Kind == ModelKind.TFGridNetV2 && (options.BeamSize ?? options.MaxNewTokens) is not null)
        {
            Say($"--beam-size and --max-new-tokens are for Whisper; {jobPath} trains TF-GridNetV2");
            return ExitCodes.Usage;
        }

        IReadOnlyList<string> manifests = options.Manifest is { } manifest ? [Path.GetFullPath(manifest)] : job.Data.Eval;
        if (options.Manifest is not null && !File.Exists(manifests[0]) && !Directory.Exists(manifests[0]))
        {
            Say($"--manifest {manifests[0]}: no such file or folder");
            return ExitCodes.Usage;
        }

        if (manifests.Count == 0)
        {
            Say($"{jobPath} lists no data.eval manifest; name one with --manifest");
            return ExitCodes.Usage;
        }

        Device device = Device.Parse(options.Device);
        if (device.Type == DeviceType.CUDA && torch.cuda.device_count() is var count && Math.Max(device.Index, 0) >= count)
        {
            Say($"--device {options.Device}: this machine has {count} CUDA device(s)");
            return ExitCodes.Failure;
        }

        CheckpointVerdict? checkpoint = options.Checkpoint is { } named ? Named(named, Say) : Latest(job, Say);
        if (checkpoint is null) return ExitCodes.Failure;

        string destination = Path.TrimEndingDirectorySeparator(Path.GetFullPath(options.OutputDirectory
            ?? Path.Combine(JobHost.RunDirectoryOf(jobPath, job), $"eval-step-{checkpoint.Checkpoint.Step}")));
        if (Unusable(destination) is { } reason)
        {
            Say($"{(options.OutputDirectory is null ? "report folder" : "--out")} {destination} {reason}");
            return options.OutputDirectory is null ? ExitCodes.Failure : ExitCodes.Usage;
        }

        output.WriteLine($"checkpoint {checkpoint.Checkpoint.Path} (step {checkpoint.Checkpoint.Step})");
        try
        {
            return job.Model.Kind == ModelKind.Whisper
                ? Whisper(job, checkpoint.Checkpoint.Path, manifests, device, options, destination, output, Say)
                : Enhancement(job, checkpoint.Checkpoint.Path, manifests, device, options, destination, output, Say);
        }
        catch (Exception problem) when (problem is IOException or UnauthorizedAccessException or InvalidDataException or FormatException
            or ArgumentException or InvalidOperationException or TorchException)
        {
            Say(problem.Message);
            return ExitCodes.Failure;
        }
    }

    private static int Whisper(JobSpec job, string checkpoint, IReadOnlyList<string> paths, Device device, EvalOptions options,
        string destination, TextWriter output, Action<string> say)
    {
        Manifest manifest = WhisperEvaluationData.FromJob(job, paths);
        using WhisperModel model = WhisperModel.FromPretrained(checkpoint, device);
        model.eval();
        EvaluationSpec evaluation = job.Evaluation with
        {
            BeamSize = options.BeamSize ?? job.Evaluation.BeamSize,
            GenerationMaxLength = options.MaxNewTokens ?? job.Evaluation.GenerationMaxLength,
        };
        WhisperTranscriber transcriber = WhisperEvaluationData.Transcriber(job, evaluation, model, device);
        output.WriteLine($"transcribing {manifest.Count} utterances of {manifest.Source} on {device} " +
            $"({(evaluation.BeamSize > 1 ? $"beam {evaluation.BeamSize}" : "greedy")}, at most {evaluation.GenerationMaxLength} tokens each)");
        var progress = new Progress(manifest.Count, "utterances", output);
        AsrReport report = AsrEvaluation.Run(manifest, new CountingTranscriber(transcriber, progress),
            WhisperEvaluationData.Options(job, options.BatchSize, options.Worst));
        if (transcriber.Trimmed > 0)
        {
            say($"warning: {transcriber.Trimmed} utterance(s) were longer than the model's window of " +
                $"{transcriber.WindowSeconds:0.##} s and were cut to it");
        }

        Publish(destination, report.Write);
        output.WriteLine($"WER {Percent(report.Wer)} ({report.WordErrors}/{report.ReferenceWords} words), " +
            $"CER {Percent(report.Cer)} ({report.CharacterErrors}/{report.ReferenceCharacters} characters) over {report.Utterances.Count} utterances");
        output.WriteLine($"report: {destination} ({AsrReport.CsvFileName}, {AsrReport.MarkdownFileName}, {AsrReport.JsonFileName})");
        return ExitCodes.Ok;
    }

    private static int Enhancement(JobSpec job, string checkpoint, IReadOnlyList<string> paths, Device device, EvalOptions options,
        string destination, TextWriter output, Action<string> say)
    {
        EnhancementEvaluationSet pairs = EnhancementEvaluationData.FromJob(job, paths);
        using TFGridNetV2 model = ModelCheckpointFiles.LoadTFGridNetV2(checkpoint, device);
        model.eval();
        output.WriteLine($"enhancing {pairs.Count} pairs of {pairs.Source} on {device}");
        var settings = new EnhancementEvaluationOptions
        {
            BatchSize = options.BatchSize ?? job.Batching.BatchSize ?? EnhancementEvaluationOptions.Default.BatchSize,
            PlotCount = options.Worst ?? EnhancementEvaluationOptions.Default.PlotCount,
        };
        var progress = new Progress(pairs.Count, "pairs", output);
        EnhancementReport report = EnhancementEvaluation.Run(pairs, new CountingEnhancer(new TFGridNetV2Enhancer(model, device), progress), settings);
        Publish(destination, report.Write);
        output.WriteLine($"SI-SNRi {Decibels(report.SiSnrImprovement.Mean, signed: true)} (median {Decibels(report.SiSnrImprovement.Median, signed: true)}): " +
            $"SI-SNR {Decibels(report.SiSnrNoisy.Mean)} noisy, {Decibels(report.SiSnrEnhanced.Mean)} enhanced, over {report.Results.Count} pairs");
        foreach (string warning in report.Warnings) say($"warning: {warning}");
        output.WriteLine($"report: {destination} ({EnhancementReport.CsvFileName}, {EnhancementReport.MarkdownFileName}, {EnhancementReport.JsonFileName}, " +
            $"{EnhancementReport.PlotFolder}/ with the best and worst {settings.PlotCount})");
        return ExitCodes.Ok;
    }

    /// <summary>The checkpoint the user named, verified against its manifest (hashes included).</summary>
    private static CheckpointVerdict? Named(string directory, Action<string> say)
    {
        string path = Path.TrimEndingDirectorySeparator(Path.GetFullPath(directory));
        if (!Directory.Exists(path))
        {
            say($"checkpoint {path}: no such directory");
            return null;
        }

        long? step = CheckpointLayout.StepOf(Path.GetFileName(path));
        if (step is null)
        {
            // A checkpoint copied under another name still has its step in the manifest.
            string manifestPath = Path.Combine(path, CheckpointLayout.ManifestFile);
            if (!File.Exists(manifestPath))
            {
                say($"checkpoint {path}: no {CheckpointLayout.ManifestFile}, so it is not a completed checkpoint");
                return null;
            }

            try
            {
                step = CheckpointManifest.Parse(File.ReadAllBytes(manifestPath), manifestPath).Step;
            }
            catch (InvalidDataException problem)
            {
                say($"checkpoint {path}: {problem.Message}");
                return null;
            }
        }

        CheckpointVerdict verdict = new CheckpointStore(Path.GetDirectoryName(path) ?? path).Verify(new CheckpointInfo(step.Value, path));
        if (verdict.IsValid) return verdict;
        say($"checkpoint {path}: {verdict.Problem}");
        return null;
    }

    /// <summary>The newest checkpoint of the job that verifies; newer ones that do not are reported with the reason.</summary>
    private static CheckpointVerdict? Latest(JobSpec job, Action<string> say)
    {
        var store = new CheckpointStore(job.Checkpointing.Directory);
        CheckpointSelection selection = store.LatestValid();
        foreach (CheckpointVerdict rejected in selection.Rejected) say($"skipping checkpoint {rejected.Checkpoint.Path}: {rejected.Problem}");
        if (selection.Chosen is null)
        {
            say(selection.Rejected.Count == 0
                ? $"no checkpoint in {store.Root} (the job's checkpointing.directory); train first, or name one with --checkpoint"
                : $"no valid checkpoint in {store.Root}: all {selection.Rejected.Count} were refused");
        }

        return selection.Chosen;
    }

    /// <summary>Why the report cannot go to <paramref name="destination"/>; null when it can. Only an earlier report
    /// is replaced, so a mistyped <c>--out</c> cannot wipe a folder of other files.</summary>
    private static string? Unusable(string destination)
    {
        if (Path.GetDirectoryName(destination) is null) return "is the root of a file system; name a folder for the report";
        if (File.Exists(destination)) return "is a file; name a folder for the report";
        if (!Directory.Exists(destination) || !Directory.EnumerateFileSystemEntries(destination).Any()) return null;
        if (File.Exists(Path.Combine(destination, AsrReport.JsonFileName)) || File.Exists(Path.Combine(destination, EnhancementReport.JsonFileName))) return null;
        return "holds files that are not an evaluation report; only an earlier report is replaced, so name another folder";
    }

    /// <summary>Writes the report into a hidden folder beside <paramref name="destination"/> and renames it into place,
    /// replacing an earlier report only once the new one is complete.</summary>
    private static void Publish(string destination, Action<string> write)
    {
        string parent = Path.GetDirectoryName(destination)!;
        string name = Path.GetFileName(destination);
        Directory.CreateDirectory(parent);
        string temporary = Path.Combine(parent, $".{name}.tmp-{Guid.NewGuid():N}");
        try
        {
            write(temporary);
            if (Directory.Exists(destination))
            {
                string retired = Path.Combine(parent, $".{name}.old-{Guid.NewGuid():N}");
                Directory.Move(destination, retired);
                Directory.Move(temporary, destination);
                Directory.Delete(retired, recursive: true);
            }
            else
            {
                Directory.Move(temporary, destination);
            }
        }
        catch
        {
            if (Directory.Exists(temporary)) Directory.Delete(temporary, recursive: true);
            throw;
        }
    }

    private static string Percent(double rate) => (rate * 100).ToString("0.00", CultureInfo.InvariantCulture) + "%";

    private static string Decibels(double value, bool signed = false) =>
        value.ToString(signed ? "+0.00;-0.00" : "0.00", CultureInfo.InvariantCulture) + " dB";

    /// <summary>Says how far a long evaluation is, at most every <see cref="Interval"/>, so a run over thousands of
    /// utterances on a CPU is not silent for minutes; short runs print nothing.</summary>
    private sealed class Progress(int total, string unit, TextWriter output)
    {
        private static readonly TimeSpan Interval = TimeSpan.FromSeconds(10);
        private readonly Stopwatch clock = Stopwatch.StartNew();
        private TimeSpan reported;
        private int done;

        public void Add(int count)
        {
            done += count;
            if (clock.Elapsed - reported < Interval) return;
            reported = clock.Elapsed;
            output.WriteLine($"  {done}/{total} {unit} after {clock.Elapsed:hh\\:mm\\:ss}");
        }
    }

    private sealed class CountingTranscriber(ITranscriber inner, Progress progress) : ITranscriber
    {
        public IReadOnlyList<string> Transcribe(IReadOnlyList<Utterance> batch)
        {
            IReadOnlyList<string> hypotheses = inner.Transcribe(batch);
            progress.Add(batch.Count);
            return hypotheses;
        }
    }

    private sealed class CountingEnhancer(IEnhancer inner, Progress progress) : IEnhancer
    {
        public IReadOnlyList<float[]> Enhance(IReadOnlyList<float[]> noisy16k)
        {
            IReadOnlyList<float[]> enhanced = inner.Enhance(noisy16k);
            progress.Add(noisy16k.Count);
            return enhanced;
        }
    }
}
