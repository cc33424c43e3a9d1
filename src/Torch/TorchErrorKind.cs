namespace Cluster.Torch;

/// <summary>What kind of failure libtorch reported (mirrors <c>ts_error_kind</c> in the C header).</summary>
public enum TorchErrorKind
{
    Torch = 1,
    Index = 2,
    Value = 3,
    Type = 4,
    NotImplemented = 5,
    OutOfMemory = 6,
    Std = 7,
    Unknown = 8,
    Argument = 9,
}
