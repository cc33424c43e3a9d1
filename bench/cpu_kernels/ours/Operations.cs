namespace Cluster.Bench.CpuKernels.Ours;

using Cluster.Bench.TrainStep;
using Cluster.Torch;
using Cluster.Torch.Modules;
using static Cluster.Torch.torch;

/// <summary>
/// The ops with the definitions of the libtorch 2.10 side (../modern/Operations.cs), written against Cluster.Torch:
/// float32 on the CPU, inputs from the seeded generator, gradients set to None between repetitions.
/// </summary>
internal static class Operations
{
    private const int SampleRate = 16000;

    public static ITimedOperation Create(BenchRequest request) => request.Op switch
    {
        "gemm" => MatrixProduct(),
        "bmm" => BatchedMatmul(),
        "lstm" => new LstmKernel(),
        "attention" => AttentionKernel(),
        "whisper-step" => new ModelStep(TrainingTask.Whisper()),
        "gridnet-step" => new ModelStep(TrainingTask.GridNet(checked((int)Math.Round(request.GridNetSeconds * SampleRate)))),
        _ => throw new UsageException($"unknown op '{request.Op}'"),
    };

    /// <summary>torch.matmul of two [1024, 1024] matrices, forward only.</summary>
    private static Kernel MatrixProduct()
    {
        var a = randn(1024, 1024);
        var b = randn(1024, 1024);
        return new Kernel(() => matmul(a, b), [a, b]);
    }

    /// <summary>torch.bmm [32, 256, 64] × [32, 64, 256], forward only.</summary>
    private static Kernel BatchedMatmul()
    {
        var a = randn(32, 256, 64);
        var b = randn(32, 64, 256);
        return new Kernel(() => bmm(a, b), [a, b]);
    }

    /// <summary>softmax(q kᵀ / √64) v and its backward, q, k, v [8, 4, 256, 64].</summary>
    private static Kernel AttentionKernel()
    {
        var q = randn([8, 4, 256, 64], requires_grad: true);
        var k = randn([8, 4, 256, 64], requires_grad: true);
        var v = randn([8, 4, 256, 64], requires_grad: true);
        return new Kernel(
            () =>
            {
                var weights = (matmul(q, k.transpose(-2, -1)) / Math.Sqrt(64)).softmax(-1);  // [8, 4, 256, 256]
                var output = matmul(weights, v);                                               // [8, 4, 256, 64]
                output.sum().backward();
                return output;
            },
            [q, k, v]);
    }

    /// <summary>A forward (and, where its inputs require grad, backward) over fixed inputs.</summary>
    private sealed class Kernel(Func<Tensor> repetition, Tensor[] inputs) : ITimedOperation
    {
        public long? ParameterCount => null;

        public void Prepare()
        {
            foreach (var input in inputs)
            {
                input.grad = null;
            }
        }

        public void Run()
        {
            using var scope = NewDisposeScope();
            repetition();
        }

        public void Dispose()
        {
            foreach (var input in inputs)
            {
                input.Dispose();
            }
        }
    }

    /// <summary>nn.LSTM(128, 128, batch_first, bidirectional) on [512, 64, 128]: forward, out.sum().backward().</summary>
    private sealed class LstmKernel : ITimedOperation
    {
        private readonly LSTM lstm = nn.LSTM(128, 128, batch_first: true, bidirectional: true);
        private readonly Tensor input = randn([512, 64, 128], requires_grad: true);  // [B, T, C]

        public long? ParameterCount => null;

        public void Prepare()
        {
            lstm.zero_grad(set_to_none: true);
            input.grad = null;
        }

        public void Run()
        {
            using var scope = NewDisposeScope();
            var (output, _) = lstm.forward(input);  // [512, 64, 256]
            output.sum().backward();
        }

        public void Dispose()
        {
            lstm.Dispose();
            input.Dispose();
        }
    }

    /// <summary>bench/train_step's training step (zero_grad, forward, loss, backward, AdamW), timed whole.</summary>
    private sealed class ModelStep(TrainingTask task) : ITimedOperation
    {
        public long? ParameterCount => task.ParameterCount;

        public string Detail { get; private set; } = "";

        /// <summary>Nothing between steps: the step's own zero_grad is part of what train_step.py times.</summary>
        public void Prepare()
        {
        }

        public void Run()
        {
            var timing = task.Step();
            Detail = $"forward+loss {timing.ForwardMs:F1} + backward {timing.BackwardMs:F1} + AdamW {timing.OptimizerMs:F1}";
        }

        public void Dispose() => task.Dispose();
    }
}
