using Cluster.Torch;
using Cluster.Torch.Modules;
using Xunit.Abstractions;
using static Cluster.Torch.torch;
using WhisperModel = Cluster.Speech.Models.Whisper.Whisper;

namespace Cluster.Speech.Tests.Models.Whisper;

/// <summary>Teacher-forced training: the loss's label handling, a few optimizer steps, and dtype genericity.</summary>
[Collection(GlobalRandomCollection.Name)]
public sealed class WhisperTrainingTests(ITestOutputHelper output)
{
    [Fact]
    public void Label_smoothing_mixes_the_uniform_cross_entropy_in_over_the_unignored_positions()
    {
        using var scope = NewDisposeScope();
        manual_seed(3);
        var logits = randn(2, 5, 7); // [B, L, V]
        var labels = tensor(new long[] { 1, 2, 3, -100, -100, 0, 6, 5, 4, -100 }, 2, 5);

        double smoothed = WhisperModel.Loss(logits, labels, labelSmoothing: 0.1).item<double>();

        var logp = logits.log_softmax(-1).reshape(-1, 7).ToArray<float>();
        var targets = labels.reshape(-1).ToArray<long>();
        double nll = 0, uniform = 0;
        int count = 0;
        for (int i = 0; i < targets.Length; i++)
        {
            if (targets[i] == -100) continue;
            nll -= logp[i * 7 + targets[i]];
            uniform -= Enumerable.Range(0, 7).Average(v => logp[i * 7 + v]);
            count++;
        }
        Assert.Equal((0.9 * nll + 0.1 * uniform) / count, smoothed, 5);
        Assert.Equal(nll / count, WhisperModel.Loss(logits, labels).item<double>(), 5);
    }

    [Fact]
    public void A_few_AdamW_steps_on_the_golden_batch_lower_its_loss()
    {
        using var model = TinyWhisper.Load().train();
        using var optimizer = optim.AdamW(model.named_parameters(), lr: 1e-3);
        var losses = new List<double>();
        for (int step = 0; step < 5; step++)
        {
            using var scope = NewDisposeScope();
            var io = TinyWhisper.Io();
            optimizer.zero_grad();
            var loss = WhisperModel.Loss(model.forward((io["mel"], io["tokens"])), io["labels"]);
            loss.backward();
            optimizer.step();
            losses.Add(loss.item<double>());
        }
        output.WriteLine($"losses: {string.Join(", ", losses.Select(l => l.ToString("F4")))}");
        Assert.All(losses.Zip(losses.Skip(1)), pair => Assert.True(pair.Second < pair.First, $"loss rose {pair.First:F4} → {pair.Second:F4}"));
        Assert.True(losses[^1] < losses[0] - 0.05, $"loss went {losses[0]:F4} → {losses[^1]:F4}");
    }

    [Fact]
    public void The_model_runs_in_bfloat16_close_to_float32()
    {
        using var scope = NewDisposeScope();
        using var model = TinyWhisper.Load();
        var io = TinyWhisper.Io();
        Tensor reference;
        using (no_grad()) reference = model.forward((io["mel"], io["tokens"]));

        model.to(bfloat16);
        Tensor logits;
        using (no_grad()) logits = model.forward((io["mel"].to(bfloat16), io["tokens"]));

        Assert.Equal(bfloat16, logits.dtype);
        double error = TinyWhisper.MaxAbsDifference(logits.to(float32), reference);
        output.WriteLine($"bfloat16 vs float32 logits: max |difference| = {error:E2}");
        Assert.True(error < 0.1, $"max |difference| = {error:E2}");
    }
}
