using Cluster.Speech.Data;
using Cluster.Speech.Text;

namespace Cluster.Speech.Validation;

/// <summary>
/// Checks every item of a manifest before any training starts (DESIGN.md §5): audio that cannot be read, holds
/// NaN/Inf, is silent or clipped; for ASR clips over the length limit and empty or over-long transcripts; for
/// enhancement pairs of different lengths or with an implausible SI-SNR. Each file is read once, streamed as mono at
/// <see cref="ValidationOptions.SampleRate"/> (what the models see), with files read in parallel and the report in
/// manifest order. An utterance with an offset or duration is measured as that segment, as the data loader reads it.
/// </summary>
public sealed class DataValidator
{
    // Samples per read: 4 s at 16 kHz, so an hour-long file costs two small buffers however long it is.
    private const int ChunkSamples = 1 << 16;

    private readonly WhisperTokenizer? _tokenizer;

    /// <param name="tokenizer">Counts label tokens of transcripts; without one that check is skipped and the report says so.</param>
    public DataValidator(ValidationOptions? options = null, WhisperTokenizer? tokenizer = null)
    {
        Options = options ?? ValidationOptions.Default;
        _tokenizer = tokenizer;
    }

    public ValidationOptions Options { get; }

    public ValidationReport Validate(Manifest manifest)
    {
        ArgumentNullException.ThrowIfNull(manifest);
        Outcome[] outcomes = Run(manifest.Utterances, CheckUtterance);
        string[] skipped = !Options.CheckTranscripts ? ["transcripts: not checked (the job trains on the audio alone)"]
            : _tokenizer is null
            ? [$"label length: no tokenizer was given, so transcripts were not checked against the {Options.MaxLabelTokens}-token limit"]
            : [];
        return Report(manifest.Source, outcomes, skipped);
    }

    public ValidationReport Validate(EnhancementManifest manifest)
    {
        ArgumentNullException.ThrowIfNull(manifest);
        return Report(manifest.Source, Run(manifest.Pairs, CheckPair), []);
    }

    private Outcome[] Run<T>(IReadOnlyList<T> items, Func<T, Outcome> check)
    {
        // Each item owns its slot, so the report comes out in manifest order whatever order the reads finish in.
        var outcomes = new Outcome[items.Count];
        Parallel.For(0, items.Count, new ParallelOptions { MaxDegreeOfParallelism = Options.MaxDegreeOfParallelism },
            index => outcomes[index] = check(items[index]));
        return outcomes;
    }

    private Outcome CheckUtterance(Utterance utterance)
    {
        var outcome = new Outcome();
        using (AudioScan scan = AudioScan.Open(utterance.AudioPath, utterance.Offset ?? 0, utterance.Duration, Options))
        {
            scan.ReadToEnd(new float[ChunkSamples]);
            outcome.AddAudio(utterance.Id, scan, Options, Options.MaxDurationSeconds, countHours: true, side: null);
        }

        if (!Options.CheckTranscripts) return outcome;
        foreach ((IssueKind kind, string detail) in ItemRules.Transcript(utterance.Text, _tokenizer, Options))
            outcome.Issues.Add(new ValidationIssue(utterance.Id, utterance.AudioPath, kind, detail));
        return outcome;
    }

    private Outcome CheckPair(EnhancementPair pair)
    {
        var outcome = new Outcome();
        using AudioScan noisy = AudioScan.Open(pair.NoisyPath, 0, null, Options);
        using AudioScan clean = AudioScan.Open(pair.CleanPath, 0, null, Options);
        var siSnr = new SiSnrAccumulator();
        float[] noisyBuffer = new float[ChunkSamples], cleanBuffer = new float[ChunkSamples];
        // Side by side, so SI-SNR accumulates without either file in memory. Reads come back full until the end of a
        // file, so the two buffers stay aligned sample for sample; past the shorter file only the longer one is read.
        while (true)
        {
            int noisyCount = noisy.Read(noisyBuffer);
            int cleanCount = clean.Read(cleanBuffer);
            if (noisyCount == 0 && cleanCount == 0) break;
            int common = Math.Min(noisyCount, cleanCount);
            siSnr.Add(noisyBuffer.AsSpan(0, common), cleanBuffer.AsSpan(0, common));
        }

        bool noisyUsable = outcome.AddAudio(pair.Id, noisy, Options, maxDurationSeconds: null, countHours: true, side: "noisy");
        bool cleanUsable = outcome.AddAudio(pair.Id, clean, Options, maxDurationSeconds: null, countHours: false, side: "clean");
        if (noisy.Complete && clean.Complete)
        {
            double? db = noisyUsable && cleanUsable && siSnr.Count > 0 ? siSnr.Decibels() : null;
            foreach ((IssueKind kind, string detail) in ItemRules.Pair(noisy.Statistics.Samples, clean.Statistics.Samples, db, Options))
                outcome.Issues.Add(new ValidationIssue(pair.Id, pair.NoisyPath, kind, detail));
        }

        return outcome;
    }

    private ValidationReport Report(string source, Outcome[] outcomes, IEnumerable<string> skippedChecks)
    {
        // Summed in manifest order, so the totals do not depend on which thread finished first.
        var sampleRates = new Dictionary<int, int>();
        var channels = new Dictionary<int, int>();
        double seconds = 0;
        foreach (Outcome outcome in outcomes)
        {
            seconds += outcome.Seconds;
            foreach ((int rate, int count) in outcome.Formats)
            {
                sampleRates[rate] = sampleRates.GetValueOrDefault(rate) + 1;
                channels[count] = channels.GetValueOrDefault(count) + 1;
            }
        }

        var summary = new ValidationSummary(outcomes.Length, seconds / 3600, sampleRates, channels);
        return new ValidationReport(source, summary, outcomes.SelectMany(outcome => outcome.Issues), skippedChecks);
    }

    /// <summary>What the check of one item found.</summary>
    private sealed class Outcome
    {
        public List<ValidationIssue> Issues { get; } = [];

        public List<(int SampleRate, int Channels)> Formats { get; } = [];

        public double Seconds { get; private set; }

        /// <summary>Records the scan's format, length and issues; true when its samples are usable for pair measures
        /// (read to the end, finite, not silent).</summary>
        public bool AddAudio(string id, AudioScan scan, ValidationOptions options, double? maxDurationSeconds, bool countHours, string? side)
        {
            if (scan.Info is { } info) Formats.Add((info.SampleRate, info.Channels));
            string prefix = side is null ? "" : $"{side}: ";
            if (scan.Failure is { } failure)
            {
                Issues.Add(new ValidationIssue(id, scan.Path, IssueKind.Unreadable, prefix + failure));
                return false;
            }

            if (countHours) Seconds += (double)scan.Statistics.Samples / options.SampleRate;
            bool usable = true;
            foreach ((IssueKind kind, string detail) in ItemRules.Audio(scan.Statistics, options, maxDurationSeconds))
            {
                Issues.Add(new ValidationIssue(id, scan.Path, kind, prefix + detail));
                usable &= kind is not (IssueKind.NonFinite or IssueKind.Silent);
            }

            return usable;
        }
    }
}
