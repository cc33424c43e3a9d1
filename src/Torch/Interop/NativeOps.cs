namespace Cluster.Torch.Interop;

// Op codes of the shim's generic entry points; the order must equal the enums in torch_shim.h.

internal enum UnaryOp
{
    Neg, Abs, Exp, Log, Log10, Log2, Log1p, Expm1, Sqrt, Rsqrt,
    Sin, Cos, Tan, Tanh, Sigmoid, Relu, Gelu, GeluTanh, Silu, Softplus,
    Floor, Ceil, Round, Trunc, Sign, Reciprocal, Square, Erf, Atan,
    LogicalNot, IsNan, IsInf, IsFinite, Nonzero, Real, Imag, Angle, Conj,
    ViewAsReal, ViewAsComplex, Zero,
}

internal enum BinaryOp
{
    Add, Sub, Mul, Div, Pow, Remainder, FloorDivide, Maximum, Minimum,
    Eq, Ne, Lt, Le, Gt, Ge, LogicalAnd, LogicalOr, Atan2,
    Matmul, Mm, Bmm, Outer, Complex, Polar, Prelu, MaskedSelect, Rsub,
}

internal enum ReduceOp
{
    Sum, Mean, Prod, Amax, Amin, LogSumExp, All, Any,
}

internal enum FillKind
{
    Empty, Zeros, Ones, Full, Randn, Rand,
}
