namespace Cluster.Torch.Cpu;

/// <summary>Who decided which BLAS kernels this process uses.</summary>
public enum BlasKernelSource
{
    /// <summary>The user's own OPENBLAS_CORETYPE.</summary>
    User,

    /// <summary>The process that started this one decided (its choice came in the environment).</summary>
    Inherited,

    /// <summary>The cluster chose a faster family than the library detected, and checked it.</summary>
    Chosen,

    /// <summary>The library's own detection (it was already right, the library is not OpenBLAS, or nothing better passed).</summary>
    Library,

    /// <summary>The generic SSE3 kernels: forced by CLUSTER_BLAS_KERNELS=safe, or the only ones that computed right.</summary>
    Safe,
}

/// <summary>The decision: the OPENBLAS_CORETYPE to set before libtorch loads (null: set nothing), the kernel family the
/// process will run, who decided, and a warning for the user when something had to give way.</summary>
public sealed record BlasKernelChoice(string? CoreType, string Kernels, BlasKernelSource Source, string Explanation, string? Warning)
{
    /// <summary>The environment variable that carries the choice to child processes, so they neither probe again nor
    /// mistake it for the user's own setting.</summary>
    public const string ChoiceVariable = "CLUSTER_BLAS_CHOICE";

    /// <summary>auto (default), safe (the generic kernels), or library (OpenBLAS's own detection, unchecked).</summary>
    public const string ModeVariable = "CLUSTER_BLAS_KERNELS";

    public const string CoreTypeVariable = "OPENBLAS_CORETYPE";

    /// <summary>OpenBLAS's generic x86-64 kernels (SSE3): slow, and right on every x86-64 CPU.</summary>
    public const string SafeKernels = "Prescott";
}
