namespace Cluster.Bench.CpuKernels.Modern;

using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

internal static class Operations
{
    /// <summary>Builds the op's inputs (float32 on CPU, from the seeded generator).</summary>
    public static ITimedOperation Create(BenchRequest request) => request.Op switch
    {
        "gemm" => MatrixProduct(),
        "bmm" => BatchedMatmul(),
        "lstm" => new LstmKernel(),
        "attention" => AttentionKernel(),
        "whisper-step" => TrainingStep.Whisper(),
        "gridnet-step" => TrainingStep.GridNet(checked((long)Math.Round(request.GridNetSeconds * GridNetV2.SampleRate))),
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
        var q = randn(8, 4, 256, 64, requires_grad: true);
        var k = randn(8, 4, 256, 64, requires_grad: true);
        var v = randn(8, 4, 256, 64, requires_grad: true);
        return new Kernel(
            () =>
            {
                var weights = softmax(matmul(q, k.transpose(-2, -1)) / Math.Sqrt(64), -1);
                var output = matmul(weights, v);
                output.sum().backward();
                return output;
            },
            [q, k, v]);
    }

    /// <summary>A forward (and, where its inputs require grad, backward) over fixed inputs.</summary>
    private sealed class Kernel(Func<Tensor> repetition, Tensor[] inputs) : ITimedOperation
    {
        public long? ParameterCount => null;

        public void Prepare() => Gradients.Clear(inputs);

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
        private readonly LSTM lstm = nn.LSTM(128, 128, batchFirst: true, bidirectional: true);
        private readonly Tensor input = randn(512, 64, 128, requires_grad: true);

        public long? ParameterCount => null;

        public void Prepare()
        {
            Gradients.Clear(lstm.parameters());
            Gradients.Clear([input]);
        }

        public void Run()
        {
            using var scope = NewDisposeScope();
            var (output, _, _) = lstm.call(input);
            output.sum().backward();
        }

        public void Dispose()
        {
            lstm.Dispose();
            input.Dispose();
        }
    }
}

internal static class Gradients
{
    /// <summary>Sets the gradients to None, as Python's zero_grad(set_to_none=True) does.</summary>
    public static void Clear(IEnumerable<Tensor> tensors)
    {
        foreach (var tensor in tensors)
        {
            tensor.grad = null;
        }
    }
}
