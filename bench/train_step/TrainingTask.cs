using System.Diagnostics;
using Cluster.Speech.Models.GridNet;
using Cluster.Speech.Models.Losses;
using Cluster.Speech.Models.Whisper;
using Cluster.Torch;
using Cluster.Torch.Modules;
using Cluster.Torch.Optim;
using static Cluster.Torch.torch;

namespace Cluster.Bench.TrainStep;

/// <summary>
/// One model with its AdamW optimizer and fixed random inputs, stepped exactly as train_step.py steps the
/// Python reference: zero_grad, forward, loss, backward, AdamW step (lr 1e-3, weight decay 0.01).
/// </summary>
internal sealed class TrainingTask : IDisposable
{
    public const int WhisperBatch = 2, WhisperTokens = 32;
    public const int GridNetBatch = 2;

    private readonly Module model;
    private readonly AdamW optimizer;
    private readonly Func<Tensor> forwardLoss;
    private readonly Tensor[] inputs;

    private TrainingTask(string name, string description, Module model, Func<Tensor> forwardLoss, Tensor[] inputs)
    {
        Name = name;
        Description = description;
        this.model = model;
        this.forwardLoss = forwardLoss;
        this.inputs = inputs;
        var parameters = model.named_parameters().ToList();
        ParameterCount = parameters.Sum(p => p.parameter.numel());
        optimizer = optim.AdamW(parameters, lr: 1e-3, weight_decay: 0.01);
    }

    public string Name { get; }

    public string Description { get; }

    public long ParameterCount { get; }

    /// <summary>Whisper tiny's dimensions (d 384, 6 heads, 4+4 layers, vocabulary 51865), 3000 mel frames, 32 tokens, batch 2; cross-entropy over every label.</summary>
    public static TrainingTask Whisper()
    {
        var config = WhisperConfig.Preset("tiny");
        var model = new Whisper(config);
        model.train();
        var mel = randn(WhisperBatch, config.NumMelBins, config.InputFrames);
        var tokens = randint(0, config.VocabSize, [WhisperBatch, WhisperTokens]);
        var labels = randint(0, config.VocabSize, [WhisperBatch, WhisperTokens]);
        var description = $"Whisper d {config.DModel}, {config.EncoderAttentionHeads} heads, {config.EncoderLayers}+{config.DecoderLayers} layers, vocabulary {config.VocabSize}; mel [{WhisperBatch}, {config.NumMelBins}, {config.InputFrames}], {WhisperTokens} tokens; loss: cross-entropy over the {WhisperTokens} labels";
        return new TrainingTask("whisper", description, model, () => Cluster.Speech.Models.Whisper.Whisper.Loss(model.forward((mel, tokens)), labels), [mel, tokens, labels]);
    }

    /// <summary>TF-GridNetV2's 16 kHz preset, mixtures of <paramref name="samples"/> (4 s in the spec), batch 2, random
    /// references; negative SI-SNR.</summary>
    public static TrainingTask GridNet(int samples)
    {
        var config = TFGridNetV2Config.Speech16k;
        var model = new TFGridNetV2(config);
        model.train();
        var mixture = randn(GridNetBatch, samples);
        var reference = randn(GridNetBatch, config.n_srcs, samples);
        var description = $"TF-GridNetV2 16 kHz preset (n_fft {config.n_fft}, stride {config.stride}, {config.n_layers} blocks, LSTM {config.lstm_hidden_units}, {config.attn_n_head} heads, emb_dim {config.emb_dim}, emb_ks {config.emb_ks}, emb_hs {config.emb_hs}, {config.n_srcs} sources); mixture [{GridNetBatch}, {samples}] ({samples / 16000.0:0.##} s); loss: negative SI-SNR";
        return new TrainingTask("gridnet", description, model, () => SiSnr.Loss(model.forward(mixture), reference), [mixture, reference]);
    }

    /// <summary>One step; freeing the step's tensors is part of it, as Python frees them when the step returns.</summary>
    public StepTiming Step()
    {
        var clock = Stopwatch.StartNew();
        TimeSpan forwarded, backwarded, stepped;
        using (var scope = NewDisposeScope())
        {
            optimizer.zero_grad();
            var loss = forwardLoss();
            forwarded = clock.Elapsed;
            loss.backward();
            backwarded = clock.Elapsed;
            optimizer.step();
            stepped = clock.Elapsed;
        }
        var total = clock.Elapsed;
        return new StepTiming(total.TotalMilliseconds, forwarded.TotalMilliseconds,
            (backwarded - forwarded).TotalMilliseconds, (stepped - backwarded).TotalMilliseconds);
    }

    public void Dispose()
    {
        optimizer.Dispose();
        model.Dispose();
        foreach (var input in inputs) input.Dispose();
    }
}
