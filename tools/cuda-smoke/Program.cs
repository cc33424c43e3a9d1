using Cluster.Torch;
using static Cluster.Torch.torch;

// CUDA smoke test for a GPU host (the test suite runs on CPU-only machines). It checks, on cuda:0:
// bf16 matmul against the CPU result, backward, one AdamW step against the same step on the CPU,
// and cuda <-> CPU copies. Exit 0 = passed, 1 = a check failed, 4 = no CUDA device here.
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

Console.WriteLine(failures == 0 ? "cuda-smoke: passed" : $"cuda-smoke: {failures} check(s) failed");
return failures == 0 ? 0 : 1;
