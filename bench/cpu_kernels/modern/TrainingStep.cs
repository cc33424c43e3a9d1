namespace Cluster.Bench.CpuKernels.Modern;

using System.Diagnostics;
using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;
using F = TorchSharp.torch.nn.functional;

/// <summary>
/// One training step as bench/train_step/train_step.py times it: zero_grad(set_to_none=True), forward,
/// loss, backward, AdamW step (lr 1e-3, weight decay 0.01; TorchSharp's AdamW defaults the decay to 0,
/// so it is passed explicitly).
/// </summary>
internal sealed class TrainingStep : ITimedOperation
{
    private const double LearningRate = 1e-3;
    private const double WeightDecay = 0.01;
    private readonly IReadOnlyList<Parameter> parameters;
    private readonly Func<Tensor> forwardLoss;
    private readonly optim.Optimizer optimizer;
    private readonly IDisposable[] owned;

    private TrainingStep(IReadOnlyList<Parameter> parameters, Func<Tensor> forwardLoss, params IDisposable[] owned)
    {
        this.parameters = parameters;
        this.forwardLoss = forwardLoss;
        this.owned = owned;
        optimizer = optim.AdamW(parameters, lr: LearningRate, weight_decay: WeightDecay);
        ParameterCount = parameters.Sum(p => p.numel());
    }

    public long? ParameterCount { get; }

    /// <summary>train_step.py's WhisperTask: tiny Whisper, batch 2, 32 tokens, cross-entropy over random labels.</summary>
    public static TrainingStep Whisper()
    {
        const int batch = 2, tokenCount = 32;
        var config = WhisperConfig.Tiny;
        var model = new WhisperReference(config);
        var mel = randn(batch, config.MelBins, 2 * config.SourcePositions);
        var tokens = randint(0, config.Vocabulary, [batch, tokenCount]);
        var labels = randint(0, config.Vocabulary, [batch, tokenCount]);
        return new TrainingStep(
            model.Parameters,
            () =>
            {
                var logits = model.Forward(mel, tokens);
                return F.cross_entropy(logits.reshape(-1, logits.shape[^1]), labels.reshape(-1), ignore_index: -100);
            },
            model, mel, tokens, labels);
    }

    /// <summary>train_step.py's GridNetTask: batch 2 mixtures of <paramref name="samples"/> samples, negative SI-SNR against random references.</summary>
    public static TrainingStep GridNet(long samples)
    {
        const int batch = 2;
        var config = GridNetConfig.Speech16k;
        var model = new GridNetV2(config);
        model.train();
        var parameters = model.parameters().ToList();
        var mixture = randn(batch, samples);
        var reference = randn(batch, config.Sources, samples);
        return new TrainingStep(parameters, () => GridNetV2.Loss(model.call(mixture), reference), model, mixture, reference);
    }

    /// <summary>Nothing between steps: the step's own zero_grad is part of what train_step.py times.</summary>
    public void Prepare()
    {
    }

    /// <summary>The last step split as train_step.py reports it (forward includes the loss; freeing the step's tensors counts in AdamW's share).</summary>
    public string Detail { get; private set; } = "";

    public void Run()
    {
        long start = Stopwatch.GetTimestamp();
        long forwarded, backwarded;
        using (NewDisposeScope())
        {
            Gradients.Clear(parameters);
            var loss = forwardLoss();
            forwarded = Stopwatch.GetTimestamp();
            loss.backward();
            backwarded = Stopwatch.GetTimestamp();
            optimizer.step();
        }
        long done = Stopwatch.GetTimestamp();
        Detail = $"forward+loss {Milliseconds(start, forwarded):F1} + backward {Milliseconds(forwarded, backwarded):F1} + AdamW {Milliseconds(backwarded, done):F1}";
    }

    private static double Milliseconds(long from, long to) => (to - from) * 1000.0 / Stopwatch.Frequency;

    public void Dispose()
    {
        optimizer.Dispose();
        foreach (var item in owned)
        {
            item.Dispose();
        }
    }
}
