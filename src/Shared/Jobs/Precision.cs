namespace Cluster.Shared.Jobs;

/// <summary>The floating-point type of forward and backward passes (master weights stay fp32).</summary>
public enum Precision
{
    Fp32,
    Bf16,

    /// <summary>Half precision with a dynamic loss scaler.</summary>
    Fp16,
}
