using System.Diagnostics;
using Cluster.Speech.Features;
using Cluster.Speech.Models.Whisper;
using Cluster.Speech.Synthesis;
using Cluster.Speech.Text;
using Cluster.Torch;
using Cluster.Torch.Modules;
using Cluster.Torch.Optim;
using static Cluster.Torch.torch;

namespace Cluster.Bench.Learning;

/// <summary>
/// A tiny Whisper trained from scratch on the CPU on a synthesized Mandarin corpus (espeak-ng, varied
/// voices, speeds and pitches), then scored by CER on held-out utterances of the same sentence pool
/// (other voices and speeds). Clips are padded to 4 s, so the audio context is 200 positions.
/// </summary>
public static class WhisperLearning
{
    private const int TrainUtterances = 640, HeldOutUtterances = 96, BatchSize = 8;
    private const int ClipSamples = 4 * LogMelSpectrogram.SampleRate;
    private const double PeakLearningRate = 2e-3, LabelSmoothing = 0.1;

    public static LearningResult Run(string tokenizerPath, double minutes, ulong seed)
    {
        var clock = Stopwatch.StartNew();
        var tokenizer = WhisperTokenizer.FromTiktoken(tokenizerPath);
        var spoken = CorpusSynthesizer.Speak(new CorpusSynthesisOptions { Languages = ["cmn"], Utterances = TrainUtterances + HeldOutUtterances, Seed = seed }).ToList();
        var extractor = new LogMelSpectrogram(new LogMelOptions { PadOrTrimTo30Seconds = false });
        var features = spoken.Select(u =>
        {
            var padded = new float[ClipSamples]; // [80, 400] features
            u.Samples.AsSpan(0, Math.Min(u.Samples.Length, ClipSamples)).CopyTo(padded);
            return extractor.Compute(padded);
        }).ToArray();
        var fullExamples = spoken.Select(u => tokenizer.BuildLabels(u.Text, "zh")).ToArray();
        var vocabulary = fullExamples.SelectMany(e => e.DecoderInput.Concat(e.Labels)).Where(t => t >= 0).Distinct().Order().ToArray();
        var compact = vocabulary.Select((token, index) => (token, index)).ToDictionary(p => p.token, p => p.index);
        var examples = fullExamples.Select(e => new TrainingExample(e.DecoderInput.Select(t => compact[t]).ToArray(), e.Labels.Select(t => t < 0 ? t : compact[t]).ToArray())).ToArray();
        var prompt = tokenizer.GenerationPrompt("zh").Select(t => (long)compact[t]).ToArray();
        var endOfText = compact[tokenizer.EndOfText];
        var trimmed = spoken.Count(u => u.Samples.Length > ClipSamples);
        Console.WriteLine($"whisper: corpus of {spoken.Count} utterances ({spoken.Sum(u => u.Duration) / 60:F1} min, {trimmed} trimmed to 4 s) ready in {clock.Elapsed.TotalSeconds:F0} s");

        var config = new WhisperConfig
        {
            NumMelBins = 80, DModel = 128, EncoderLayers = 2, EncoderAttentionHeads = 4, EncoderFfnDim = 512,
            DecoderLayers = 2, DecoderAttentionHeads = 4, DecoderFfnDim = 512, MaxSourcePositions = ClipSamples / LogMelSpectrogram.HopLength / 2,
            MaxTargetPositions = 64, VocabSize = vocabulary.Length, EosTokenId = endOfText,
            DecoderStartTokenId = compact[tokenizer.StartOfTranscript], PadTokenId = endOfText, BosTokenId = endOfText,
        };
        manual_seed(seed);
        using var model = new Whisper(config);
        model.train();
        using var optimizer = optim.AdamW(ParamGroups.WithWeightDecay(model.named_parameters(), 0.01), lr: PeakLearningRate);
        var collator = new LabelCollator(endOfText);
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
            var mel = Stack(batch.Select(i => features[i]).ToList()); // [B, 80, 400]
            var labels = collator.Collate(batch.Select(i => examples[i]).ToList());
            var decoderInput = tensor(labels.DecoderInput, [labels.BatchSize, labels.Length]);
            var target = tensor(labels.Labels, [labels.BatchSize, labels.Length]);
            var loss = Whisper.Loss(model.forward((mel, decoderInput)), target, LabelSmoothing);
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
            if (steps % 25 == 0) Console.WriteLine($"whisper: step {steps} loss {recentLoss:F3} ({trainClock.Elapsed.TotalMinutes:F1} min)");
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
            $"model: d_model {config.DModel}, {config.EncoderLayers}+{config.DecoderLayers} layers, {config.EncoderAttentionHeads} heads, vocab {config.VocabSize} (the multilingual tokenizer's ids used by the corpus, remapped), audio context {config.MaxSourcePositions} (4 s clips)",
            $"data: {TrainUtterances} training and {HeldOutUtterances} held-out utterances (espeak-ng cmn, {SentencePool.Mandarin.Count} sentences, other voices/speeds/pitches held out), seed {seed}",
            $"training: AdamW peak lr {PeakLearningRate} (linear warmup and decay over the budget), label smoothing {LabelSmoothing}, batch {BatchSize}, clip 1.0, {get_num_threads()} threads, final smoothed loss {recentLoss:F3}",
            $"held-out WER {accumulator.Wer:P1}, CER {cer:P1}",
        };
        details.AddRange(samples);
        return new LearningResult("tiny Whisper from scratch (CPU)", "held-out CER", cer, "< 30 %", cer < 0.30, steps, trainClock.Elapsed.TotalMinutes, details);
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
