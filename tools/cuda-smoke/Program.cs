using Cluster.Speech.Models.Whisper;
using Cluster.Speech.Training;
using Cluster.Torch;
using Cluster.Torch.Modules;
using static Cluster.Torch.torch;

// CUDA smoke test for a GPU host (the test suite runs on CPU-only machines). It checks, on cuda:0:
// bf16 matmul against the CPU result, backward, one AdamW step against the same step on the CPU,
// cuda <-> CPU copies, and a Whisper training step in bf16 autocast and in fp16 autocast with loss scaling
// (against the float32 step on the CPU, and an fp16 step with an inf gradient that must be skipped). Exit 0 = passed, 1 = a check failed, 4 = no CUDA device here.
// Build for a host without .NET: see tools/cuda-smoke/README.md.

var count = cuda.device_count();
var (major, minor, patch) = libtorch_version();
Console.WriteLine($"libtorch {major}.{minor}.{patch}, CUDA devices: {count}");
if (count == 0)
{
    Console.Error.WriteLine("cuda-smoke: no CUDA device is visible to this libtorch; nothing was checked");
    return 4;
}

var failures = 0;
void Check(string name, bool ok, string detail)
{
    Console.WriteLine($"{(ok ? "ok  " : "FAIL")} {name}: {detail}");
    if (!ok) failures++;
}

var gpu = Device.CUDA(0);
manual_seed(1);
using (var scope = NewDisposeScope())
{
    var a = randn(64, 64);
    var b = randn(64, 64);
    var expected = a.matmul(b);
    var onGpu = a.to(DType.BFloat16, gpu).matmul(b.to(DType.BFloat16, gpu));
    Check("bf16 matmul on cuda:0", onGpu.device.Type == DeviceType.CUDA && onGpu.dtype == DType.BFloat16, $"{onGpu}");
    var back = onGpu.to(DType.Float32, Device.CPU);
    var error = (back - expected).abs().max().item<double>() / expected.abs().max().item<double>();
    Check("bf16 matmul matches fp32 CPU", error < 2e-2, $"max relative error {error:E2}");

    var roundTrip = a.to(gpu).cpu();
    Check("cuda <-> CPU copy", roundTrip.allclose(a, 0, 0), "bit-exact round trip");
}

using (var scope = NewDisposeScope())
{
    var cpuWeight = new Parameter(randn(32, 16));
    var gpuWeight = new Parameter(cpuWeight.detach().to(gpu));
    var x = randn(8, 16);
    var target = randn(8, 32);
    using var cpuOptimizer = optim.AdamW([("w", cpuWeight)], lr: 1e-2);
    using var gpuOptimizer = optim.AdamW([("w", gpuWeight)], lr: 1e-2);
    nn.functional.mse_loss(nn.functional.linear(x, cpuWeight), target).backward();
    nn.functional.mse_loss(nn.functional.linear(x.to(gpu), gpuWeight), target.to(gpu)).backward();
    var gradError = (gpuWeight.grad!.cpu() - cpuWeight.grad!).abs().max().item<double>();
    Check("backward on cuda:0", gradError < 1e-4, $"max |grad difference| {gradError:E2}");
    cpuOptimizer.step();
    gpuOptimizer.step();
    cuda.synchronize();
    var stepError = (gpuWeight.detach().cpu() - cpuWeight.detach()).abs().max().item<double>();
    Check("AdamW step on cuda:0", stepError < 1e-4, $"max |weight difference| {stepError:E2}");
}

var state = get_rng_state(gpu);
using (var first = randn([4], device: gpu).DetachFromDisposeScope())
{
    set_rng_state(state, gpu);
    using var second = randn([4], device: gpu);
    Check("CUDA generator state restore", first.cpu().allclose(second.cpu(), 0, 0), "same stream after set_rng_state");
}

foreach (var requested in new[] { Precision.BFloat16, Precision.Float16 })
{
    using var scope = NewDisposeScope();
    var config = new WhisperConfig
    {
        NumMelBins = 80, DModel = 64, EncoderLayers = 2, EncoderAttentionHeads = 4, EncoderFfnDim = 256, DecoderLayers = 2,
        DecoderAttentionHeads = 4, DecoderFfnDim = 256, MaxSourcePositions = 50, MaxTargetPositions = 16, VocabSize = 50,
        EosTokenId = 1, DecoderStartTokenId = 2, PadTokenId = 1, BosTokenId = 1,
    };
    manual_seed(5);
    using var cpuModel = new Whisper(config).train();
    manual_seed(5);
    using var gpuModel = new Whisper(config).train();
    gpuModel.to(gpu);
    var mel = randn(4, 80, 100);
    var tokens = randint(3, 50, [4, 12]);
    var labels = randint(3, 50, [4, 12]);
    using var cpuOptimizer = optim.AdamW(cpuModel.named_parameters(), lr: 1e-3);
    using var gpuOptimizer = optim.AdamW(gpuModel.named_parameters(), lr: 1e-3);
    var cpuStep = new WhisperTrainingStep(cpuModel, cpuOptimizer, null, TrainingPrecision.Resolve(Precision.Float32, Device.CPU));
    var precision = TrainingPrecision.Resolve(requested, gpu);
    var gpuStep = new WhisperTrainingStep(gpuModel, gpuOptimizer, null, precision);
    Console.WriteLine(precision.Decision);
    var batch = new WhisperMicroBatch(mel.to(gpu), tokens.to(gpu), labels.to(gpu));
    var reference = cpuStep.Step([new WhisperMicroBatch(mel, tokens, labels)]);
    var result = gpuStep.Step([batch]);
    var lossError = Math.Abs(result.Loss - reference.Loss) / reference.Loss;
    Check($"{requested} Whisper step on cuda:0", !result.Skipped && lossError < 2e-2 && lossError > 0,
        $"loss {result.Loss:F5} vs float32 CPU {reference.Loss:F5} (relative {lossError:E2}; 0 would mean autocast did not run), grad norm {result.GradientNorm:F4} vs {reference.GradientNorm:F4}, scale {result.LossScale}");
    Check($"{requested} step keeps float32 master weights", gpuModel.parameters().All(p => p.dtype == DType.Float32), "all parameters float32");
    var drift = gpuModel.parameters().Zip(cpuModel.parameters()).Max(p => (p.First.detach().cpu() - p.Second.detach()).abs().max().item<double>());
    Check($"{requested} step updates like the float32 step", drift < 1e-2 && drift > 0, $"max |weight difference| after one step {drift:E2}");
    var losses = Enumerable.Range(0, 5).Select(_ => gpuStep.Step([batch]).Loss).ToArray();
    Check($"{requested} steps lower the loss", losses[^1] < result.Loss, $"{result.Loss:F4} -> {string.Join(" -> ", losses.Select(l => l.ToString("F4")))}");
    if (requested == Precision.Float16)
    {
        var scaleBefore = gpuStep.Scaler!.get_scale();
        var poisonedMel = mel.clone();
        poisonedMel[0, 0, 0].fill_(float.PositiveInfinity);
        var poisoned = new WhisperMicroBatch(poisonedMel.to(gpu), batch.DecoderInput, batch.Labels);
        var skipped = gpuStep.Step([poisoned]);
        Check("Float16 step with an inf gradient is skipped", skipped.Skipped && gpuStep.Scaler.get_scale() == scaleBefore / 2,
            $"skipped {skipped.Skipped}, scale {scaleBefore} -> {gpuStep.Scaler.get_scale()}");
    }
}

Console.WriteLine(failures == 0 ? "cuda-smoke: passed" : $"cuda-smoke: {failures} check(s) failed");
return failures == 0 ? 0 : 1;
