using System.Diagnostics;
using Cluster.Speech.Features;
using Cluster.Speech.Models.Whisper;
using Cluster.Speech.Synthesis;
using Cluster.Speech.Text;
using Cluster.Torch;
using Cluster.Torch.Optim;
using static Cluster.Torch.torch;

namespace Cluster.Bench.Learning;

/// <summary>
/// A tiny Whisper trained from scratch on the CPU on a synthesized Mandarin corpus (espeak-ng, varied
/// voices, speeds and pitches), then scored by CER on held-out utterances of the same sentence pool
/// (other voices and speeds). Clips are padded to 5 s, so the audio context is 250 positions.
/// </summary>
public static class WhisperLearning
{
    private const int TrainUtterances = 640, HeldOutUtterances = 96, BatchSize = 16;
    private const int ClipSamples = 5 * LogMelSpectrogram.SampleRate;

    public static LearningResult Run(string tokenizerPath, double minutes, ulong seed)
    {
        var clock = Stopwatch.StartNew();
        var tokenizer = WhisperTokenizer.FromTiktoken(tokenizerPath);
        var spoken = CorpusSynthesizer.Speak(new CorpusSynthesisOptions { Languages = ["cmn"], Utterances = TrainUtterances + HeldOutUtterances, Seed = seed }).ToList();
        var extractor = new LogMelSpectrogram(new LogMelOptions { PadOrTrimTo30Seconds = false });
        var features = spoken.Select(u =>
        {
            var padded = new float[ClipSamples];
            u.Samples.AsSpan(0, Math.Min(u.Samples.Length, ClipSamples)).CopyTo(padded);
            return extractor.Compute(padded); // [80, 500]
        }).ToArray();
        var examples = spoken.Select(u => tokenizer.BuildLabels(u.Text, "zh")).ToArray();
        var trimmed = spoken.Count(u => u.Samples.Length > ClipSamples);
        Console.WriteLine($"whisper: corpus of {spoken.Count} utterances ({spoken.Sum(u => u.Duration) / 60:F1} min, {trimmed} trimmed to 5 s) ready in {clock.Elapsed.TotalSeconds:F0} s");

        var config = new WhisperConfig
        {
            NumMelBins = 80, DModel = 192, EncoderLayers = 3, EncoderAttentionHeads = 4, EncoderFfnDim = 768,
            DecoderLayers = 3, DecoderAttentionHeads = 4, DecoderFfnDim = 768, MaxSourcePositions = ClipSamples / LogMelSpectrogram.HopLength / 2,
            MaxTargetPositions = 64, VocabSize = tokenizer.VocabularySize, EosTokenId = tokenizer.EndOfText,
            DecoderStartTokenId = tokenizer.StartOfTranscript, PadTokenId = tokenizer.EndOfText, BosTokenId = tokenizer.EndOfText,
        };
        manual_seed(seed);
        using var model = new Whisper(config);
        model.train();
        using var optimizer = optim.AdamW(ParamGroups.WithWeightDecay(model.named_parameters(), 0.01), lr: 1e-3);
        var collator = new LabelCollator(tokenizer.EndOfText);
        var rng = new Cluster.Speech.Data.SplitMix64(seed);
        var order = Enumerable.Range(0, TrainUtterances).ToArray();
        var position = order.Length;
        var budget = TimeSpan.FromMinutes(minutes);
        var trainClock = Stopwatch.StartNew();
        LRScheduler? schedule = null;
        var steps = 0;
        double recentLoss = double.NaN;
        while (trainClock.Elapsed < budget)
        {
            using var scope = NewDisposeScope();
            if (position + BatchSize > order.Length)
            {
                rng.Shuffle(order.AsSpan());
                position = 0;
            }
            var batch = order.AsSpan(position, BatchSize).ToArray();
            position += BatchSize;
            var mel = Stack(batch.Select(i => features[i]).ToList()); // [B, 80, 500]
            var labels = collator.Collate(batch.Select(i => examples[i]).ToList());
            var decoderInput = tensor(labels.DecoderInput, [labels.BatchSize, labels.Length]);
            var target = tensor(labels.Labels, [labels.BatchSize, labels.Length]);
            var loss = Whisper.Loss(model.forward((mel, decoderInput)), target);
            optimizer.zero_grad();
            loss.backward();
            nn.utils.clip_grad_norm_(model.parameters(), 1.0);
            optimizer.step();
            schedule?.Step();
            steps++;
            var value = loss.item<double>();
            recentLoss = double.IsNaN(recentLoss) ? value : 0.95 * recentLoss + 0.05 * value;
            // After a short probe the step time is known: decay linearly to zero at the end of the budget.
            if (steps == 20)
            {
                var planned = (int)(budget.TotalSeconds / (trainClock.Elapsed.TotalSeconds / steps));
                schedule = Schedules.LinearWithWarmup(optimizer, warmupSteps: Math.Min(100, planned / 10), totalSteps: Math.Max(planned, 200));
            }
            if (steps % 50 == 0) Console.WriteLine($"whisper: step {steps} loss {recentLoss:F3} ({trainClock.Elapsed.TotalMinutes:F1} min)");
        }

        model.eval();
        var accumulator = new ErrorRateAccumulator(new BasicTextNormalizer().Normalize);
        var samples = new List<string>();
        using (no_grad())
        {
            for (var start = TrainUtterances; start < spoken.Count; start += BatchSize)
            {
                using var scope = NewDisposeScope();
                var items = Enumerable.Range(start, Math.Min(BatchSize, spoken.Count - start)).ToList();
                var transcripts = model.Generate(Stack(items.Select(i => features[i]).ToList()), new WhisperDecodingOptions { Language = "zh", MaxNewTokens = 40 }, tokenizer);
                for (var k = 0; k < items.Count; k++)
                {
                    accumulator.Add(spoken[items[k]].Text, transcripts[k].Text);
                    if (samples.Count < 6) samples.Add($"ref: {spoken[items[k]].Text} | hyp: {transcripts[k].Text.Trim()}");
                }
            }
        }
        var cer = accumulator.Cer;
        Console.WriteLine($"whisper: held-out CER {cer:P1} after {steps} steps");
        var details = new List<string>
        {
            $"model: d_model {config.DModel}, {config.EncoderLayers}+{config.DecoderLayers} layers, {config.EncoderAttentionHeads} heads, vocab {config.VocabSize} (multilingual tokenizer), audio context {config.MaxSourcePositions} (5 s clips)",
            $"data: {TrainUtterances} training and {HeldOutUtterances} held-out utterances (espeak-ng cmn, {SentencePool.Mandarin.Count} sentences, other voices/speeds/pitches held out), seed {seed}",
            $"training: AdamW lr 1e-3 (linear warmup and decay over the budget), batch {BatchSize}, clip 1.0, {get_num_threads()} threads, final smoothed loss {recentLoss:F3}",
            $"held-out WER {accumulator.Wer:P1}, CER {cer:P1}",
        };
        details.AddRange(samples);
        return new LearningResult("tiny Whisper from scratch (CPU)", "held-out CER", cer, "< 30 %", cer < 0.30, steps, trainClock.Elapsed.TotalMinutes, details);
    }

    private static Tensor Stack(IReadOnlyList<float[]> items)
    {
        var frames = items[0].Length / 80;
        var flat = new float[items.Count * items[0].Length];
        for (var i = 0; i < items.Count; i++) items[i].CopyTo(flat, i * items[0].Length);
        return tensor(flat, [items.Count, 80, frames]);
    }
}
