using System.Diagnostics;
using Cluster.Speech.Features;
using Cluster.Speech.Models.Whisper;
using Cluster.Speech.Synthesis;
using Cluster.Speech.Text;
using Cluster.Speech.Training;
using Cluster.Torch;
using Cluster.Torch.Modules;
using Cluster.Torch.Optim;
using static Cluster.Torch.torch;

namespace Cluster.Bench.Learning;

/// <summary>
/// A tiny Whisper trained from scratch on the CPU on a synthesized Mandarin corpus (espeak-ng, varied
/// voices, speeds and pitches), then scored by CER on held-out utterances of the same sentence pool
/// (other voices and speeds). Silence is trimmed from both ends of each clip and every clip is padded to the
/// longest training clip, so the audio context is as short as the corpus allows.
/// </summary>
public static class WhisperLearning
{
    private const int TrainUtterances = 640, HeldOutUtterances = 96, BatchSize = 8;
    private const int EncoderLayers = 2, DecoderLayers = 1, WarmupSteps = 100;
    private const double PeakLearningRate = 1e-3, LabelSmoothing = 0, MaxClipSeconds = 4;

    public static LearningResult Run(string tokenizerPath, double minutes, ulong seed)
    {
        // One thread: two OpenMP threads meet at a barrier after every operator, and on a shared two-core machine each
        // waits whenever the other is descheduled (a step took 9.5 s with two threads and about 1.1 s with one under
        // similar load). Alone, one thread does a step in about 130 ms, three times the steps the recipe needs.
        var threads = get_num_threads();
        set_num_threads(1);
        try
        {
            return Train(tokenizerPath, minutes, seed);
        }
        finally
        {
            set_num_threads(threads);
        }
    }

    private static LearningResult Train(string tokenizerPath, double minutes, ulong seed)
    {
        var clock = Stopwatch.StartNew();
        var tokenizer = WhisperTokenizer.FromTiktoken(tokenizerPath);
        var spoken = CorpusSynthesizer.Speak(new CorpusSynthesisOptions { Languages = ["cmn"], Utterances = TrainUtterances + HeldOutUtterances, Seed = seed }).ToList();
        var trimmed = spoken.Select(u => TrimSilence(u.Samples)).ToArray();
        // Whisper's encoder takes a fixed number of frames: even, since the second convolution halves them.
        var longest = trimmed.Take(TrainUtterances).Max(s => s.Length);
        var clipSamples = (int)Math.Min(MaxClipSeconds * LogMelSpectrogram.SampleRate, longest);
        var frames = (clipSamples + 2 * LogMelSpectrogram.HopLength - 1) / (2 * LogMelSpectrogram.HopLength) * 2;
        clipSamples = frames * LogMelSpectrogram.HopLength;
        var extractor = new LogMelSpectrogram(new LogMelOptions { PadOrTrimTo30Seconds = false });
        var features = trimmed.Select(samples =>
        {
            var padded = new float[clipSamples];
            samples.AsSpan(0, Math.Min(samples.Length, clipSamples)).CopyTo(padded);
            return extractor.Compute(padded); // [80, frames]
        }).ToArray();
        var fullExamples = spoken.Select(u => tokenizer.BuildLabels(u.Text, "zh")).ToArray();
        var vocabulary = fullExamples.SelectMany(e => e.DecoderInput.Concat(e.Labels)).Where(t => t >= 0).Distinct().Order().ToArray();
        var compact = vocabulary.Select((token, index) => (token, index)).ToDictionary(p => p.token, p => p.index);
        var examples = fullExamples.Select(e => new TrainingExample(e.DecoderInput.Select(t => compact[t]).ToArray(), e.Labels.Select(t => t < 0 ? t : compact[t]).ToArray())).ToArray();
        var prompt = tokenizer.GenerationPrompt("zh").Select(t => (long)compact[t]).ToArray();
        var endOfText = compact[tokenizer.EndOfText];
        var cut = trimmed.Count(s => s.Length > clipSamples);
        Console.WriteLine($"whisper: corpus of {spoken.Count} utterances ({spoken.Sum(u => u.Duration) / 60:F1} min, {trimmed.Sum(s => s.Length) / 16000.0 / 60:F1} min without edge silence, clips of {clipSamples / 16000.0:F2} s, {cut} cut) ready in {clock.Elapsed.TotalSeconds:F0} s");

        var config = new WhisperConfig
        {
            NumMelBins = 80, DModel = 128, EncoderLayers = EncoderLayers, EncoderAttentionHeads = 4, EncoderFfnDim = 512,
            DecoderLayers = DecoderLayers, DecoderAttentionHeads = 4, DecoderFfnDim = 512, MaxSourcePositions = frames / 2,
            MaxTargetPositions = 64, VocabSize = vocabulary.Length, EosTokenId = endOfText,
            DecoderStartTokenId = compact[tokenizer.StartOfTranscript], PadTokenId = endOfText, BosTokenId = endOfText,
        };
        manual_seed(seed);
        using var model = new Whisper(config);
        model.train();
        using var optimizer = optim.AdamW(ParamGroups.WithWeightDecay(model.named_parameters(), 0.01), lr: PeakLearningRate);
        var precision = TrainingPrecision.Resolve(Precision.Float32, Device.CPU);
        Console.WriteLine($"whisper: {precision.Decision}");
        var collator = new LabelCollator(endOfText);
        var rng = new Cluster.Speech.Data.SplitMix64(seed);
        var order = Enumerable.Range(0, TrainUtterances).ToArray();
        var position = order.Length;
        var budget = TimeSpan.FromMinutes(minutes);
        var trainClock = Stopwatch.StartNew();
        // Linear warmup over steps, then linear decay in time, to zero at the end of the budget (the step rate is not
        // known in advance and changes with the machine's load).
        var schedule = new LambdaLR(optimizer, s => Math.Min(1.0, (s + 1.0) / WarmupSteps) * Math.Max(0.0, 1 - trainClock.Elapsed / budget));
        var step = new WhisperTrainingStep(model, optimizer, schedule, precision, maxGradNorm: 1.0, labelSmoothing: LabelSmoothing);
        var steps = 0;
        double recentLoss = double.NaN;
        TimeSpan collating = TimeSpan.Zero, stepping = TimeSpan.Zero;
        var cpuAtStart = Process.GetCurrentProcess().TotalProcessorTime;
        while (trainClock.Elapsed < budget)
        {
            using var scope = NewDisposeScope();
            var started = trainClock.Elapsed;
            if (position + BatchSize > order.Length)
            {
                rng.Shuffle(order.AsSpan());
                position = 0;
            }
            var batch = order.AsSpan(position, BatchSize).ToArray();
            position += BatchSize;
            var mel = Stack(batch.Select(i => features[i]).ToList()); // [B, 80, frames]
            var labels = collator.Collate(batch.Select(i => examples[i]).ToList());
            var micro = new WhisperMicroBatch(mel, tensor(labels.DecoderInput, [labels.BatchSize, labels.Length]), tensor(labels.Labels, [labels.BatchSize, labels.Length]));
            var collated = trainClock.Elapsed;
            var result = step.Step([micro]);
            stepping += trainClock.Elapsed - collated;
            collating += collated - started;
            steps++;
            recentLoss = double.IsNaN(recentLoss) ? result.Loss : 0.95 * recentLoss + 0.05 * result.Loss;
            if (steps % 50 == 0)
                Console.WriteLine($"whisper: step {steps} loss {recentLoss:F3} lr {optimizer.GetLearningRate(0):E2} ({trainClock.Elapsed.TotalMinutes:F1} min; per step {stepping.TotalMilliseconds / steps:F0} ms training, {collating.TotalMilliseconds / steps:F1} ms collating, {(Process.GetCurrentProcess().TotalProcessorTime - cpuAtStart).TotalMilliseconds / steps:F0} ms CPU)");
        }
        var stepMilliseconds = stepping.TotalMilliseconds / steps;

        model.eval();
        var accumulator = new ErrorRateAccumulator(new BasicTextNormalizer().Normalize);
        var samples = new List<string>();
        using (no_grad())
        {
            for (var start = TrainUtterances; start < spoken.Count; start += BatchSize)
            {
                using var scope = NewDisposeScope();
                var items = Enumerable.Range(start, Math.Min(BatchSize, spoken.Count - start)).ToList();
                var tokens = GreedyDecode(model, Stack(items.Select(i => features[i]).ToList()), prompt, endOfText, maxNewTokens: 40);
                for (var k = 0; k < items.Count; k++)
                {
                    var text = tokenizer.Decode(tokens[k].Select(t => vocabulary[t]));
                    accumulator.Add(spoken[items[k]].Text, text);
                    if (samples.Count < 6) samples.Add($"ref: {spoken[items[k]].Text} | hyp: {text}");
                }
            }
        }
        var cer = accumulator.Cer;
        Console.WriteLine($"whisper: held-out CER {cer:P1} after {steps} steps");
        var details = new List<string>
        {
            $"model: d_model {config.DModel}, {config.EncoderLayers}+{config.DecoderLayers} layers, {config.EncoderAttentionHeads} heads, vocab {config.VocabSize} (the multilingual tokenizer's ids used by the corpus, remapped), audio context {config.MaxSourcePositions} ({clipSamples / 16000.0:F2} s clips, edge silence trimmed)",
            $"data: {TrainUtterances} training and {HeldOutUtterances} held-out utterances (espeak-ng cmn, {SentencePool.Mandarin.Count} sentences, other voices/speeds/pitches held out), seed {seed}",
            $"training: AdamW peak lr {PeakLearningRate} (linear warmup over {WarmupSteps} steps, then linear decay to zero at the end of the budget), label smoothing {LabelSmoothing}, batch {BatchSize}, clip 1.0, {get_num_threads()} threads, BLAS {LoadedBlas()}, {stepMilliseconds:F0} ms per step, final smoothed loss {recentLoss:F3}",
            $"held-out WER {accumulator.Wer:P1}, CER {cer:P1}",
        };
        details.AddRange(samples);
        return new LearningResult("tiny Whisper from scratch (CPU)", "held-out CER", cer, "< 30 %", cer < 0.30, steps, trainClock.Elapsed.TotalMinutes, details);
    }

    // Debian's libtorch multiplies matrices through whichever libblas.so.3 the loader found (scripts/setup.sh installs OpenBLAS for it).
    private static string LoadedBlas() =>
        File.ReadLines("/proc/self/maps").Select(l => l.Split(' ', StringSplitOptions.RemoveEmptyEntries)).Where(f => f.Length > 5 && f[5].Contains("libblas.so", StringComparison.Ordinal))
            .Select(f => f[5]).FirstOrDefault() is { } path
            ? path.Contains("openblas", StringComparison.Ordinal) ? $"OpenBLAS ({Path.GetFileName(Path.GetDirectoryName(path))})" : path
            : "unknown";

    // espeak-ng pads each utterance with silence; cutting it (10 ms frames quieter than 2 % of the loudest frame's RMS,
    // keeping 50 ms on each side) shortens the clips the encoder must read without touching any speech.
    private static float[] TrimSilence(float[] samples)
    {
        const int Frame = 160, Margin = 5;
        var count = samples.Length / Frame;
        if (count == 0) return samples;
        var energy = new double[count];
        for (var f = 0; f < count; f++)
        {
            double sum = 0;
            for (var k = f * Frame; k < (f + 1) * Frame; k++) sum += samples[k] * samples[k];
            energy[f] = sum / Frame;
        }
        var threshold = energy.Max() * 0.02 * 0.02;
        var first = Array.FindIndex(energy, e => e > threshold);
        var last = Array.FindLastIndex(energy, e => e > threshold);
        var start = Math.Max(0, first - Margin) * Frame;
        var end = Math.Min(samples.Length, (last + 1 + Margin) * Frame);
        return samples[start..end];
    }

    /// <summary>Greedy decoding over the compact vocabulary with the model's key/value cache; returns the new tokens until end-of-text.</summary>
    private static List<int>[] GreedyDecode(Whisper model, Tensor mel, long[] prompt, int endOfText, int maxNewTokens)
    {
        using var scope = NewDisposeScope();
        var batch = (int)mel.size(0);
        var audio = model.Encode(mel);
        using var cache = new WhisperKvCache();
        var results = Enumerable.Range(0, batch).Select(_ => new List<int>()).ToArray();
        var finished = new bool[batch];
        var next = tensor(Enumerable.Range(0, batch).SelectMany(_ => prompt).ToArray(), [batch, prompt.Length]);
        for (var step = 0; step < maxNewTokens && !finished.All(f => f); step++)
        {
            var logits = model.Decode(next, audio, cache); // [B, L, V]
            var chosen = logits.select(1, logits.size(1) - 1).argmax(-1).ToArray<long>();
            for (var b = 0; b < batch; b++)
            {
                if (finished[b]) continue;
                if (chosen[b] == endOfText) finished[b] = true;
                else results[b].Add((int)chosen[b]);
            }
            next = tensor(chosen, [batch, 1]);
        }
        return results;
    }

    private static Tensor Stack(IReadOnlyList<float[]> items)
    {
        var frames = items[0].Length / 80;
        var flat = new float[items.Count * items[0].Length];
        for (var i = 0; i < items.Count; i++) items[i].CopyTo(flat, i * items[0].Length);
        return tensor(flat, [items.Count, 80, frames]);
    }
}
