namespace Cluster.Bench.CpuKernels.Driver;

/// <summary>
/// The ops all three sides define alike (modern/Operations.cs, ours/Operations.cs, cpu_kernels.py) and how their
/// floating-point work is counted: a multiply-add is 2 FLOP, only the matrix products are counted (softmax, the gates'
/// sigmoids and tanh, sums are left out), and a backward costs twice its forward (one product for each input's
/// gradient), so forward + backward is 3× the forward.
/// </summary>
internal static class OperationCatalog
{
    public static readonly IReadOnlyList<string> Names = ["gemm", "bmm", "lstm", "attention", "whisper-step", "gridnet-step"];

    /// <summary>The ops whose ours / libtorch 2.10 ratio makes the RESULT line (the acceptance).</summary>
    public static readonly IReadOnlyList<string> Headline = ["gemm", "lstm", "attention"];

    private const double Gemm = 2.0 * 1024 * 1024 * 1024;
    private const double Bmm = 2.0 * 32 * 256 * 64 * 256;
    // Two products per forward, q kᵀ and weights v, each 2 · (8 · 4) · 256 · 256 · 64.
    private const double AttentionForward = 2 * (2.0 * 8 * 4 * 256 * 256 * 64);
    // Per time step, direction and sequence: 4 gates × (input 128 + hidden 128) × hidden 128 multiply-adds;
    // batch 512 × 64 steps × 2 directions.
    private const double LstmForward = 4 * (128 + 128) * 128 * 2.0 * 512 * 64 * 2;

    public static OperationInfo Get(string name, double gridNetSeconds) => name switch
    {
        "gemm" => new(name, "torch.matmul [1024, 1024] @ [1024, 1024], float32, forward", Gemm, "2 · 1024³"),
        "bmm" => new(name, "torch.bmm [32, 256, 64] × [32, 64, 256], forward", Bmm, "2 · 32 · 256 · 64 · 256"),
        "lstm" => new(name, "nn.LSTM(128, 128, batch_first, bidirectional) on [512, 64, 128] (batch 512, 64 steps): forward, output.sum().backward()",
            3 * LstmForward, "3 × 4 gates × (128 + 128) × 128 × 2 per step and direction × 512 × 64 steps × 2 directions"),
        "attention" => new(name, "q, k, v [8, 4, 256, 64] with requires_grad: softmax(q kᵀ / √64) v, output.sum().backward()",
            3 * AttentionForward, "3 × 2 products × 2 · 32 · 256 · 256 · 64"),
        "whisper-step" => new(name, "one training step of Whisper (tiny dims: d 384, 6 heads, 4+4 layers), mel [2, 80, 3000], 32 tokens: zero_grad, forward, cross-entropy, backward, AdamW",
            null, "not counted", IsTrainingStep: true),
        "gridnet-step" => new(name, $"one training step of TF-GridNetV2 (16 kHz preset), mixture [2, {Math.Round(gridNetSeconds * 16000)}] ({gridNetSeconds:0.##} s): zero_grad, forward, negative SI-SNR, backward, AdamW",
            null, "not counted", IsTrainingStep: true),
        _ => throw new ArgumentOutOfRangeException(nameof(name), name, "unknown op"),
    };
}
