namespace Cluster.Torch.Optim;

/// <summary>
/// One parameter group (an entry of PyTorch's <c>param_groups</c>): named parameters plus the options that override
/// the optimizer's defaults for them. Options left null take the optimizer's value; an option the optimizer does not
/// have (momentum for AdamW, betas for SGD) is rejected when the optimizer is built.
/// </summary>
/// <remarks>
/// Parameters carry names because optimizer state is exported and imported by name, so a checkpoint survives a
/// change in parameter order.
/// </remarks>
public sealed record ParamGroup
{
    public ParamGroup(IEnumerable<(string Name, Parameter Parameter)> parameters)
    {
        ArgumentNullException.ThrowIfNull(parameters);
        // Copied so later changes to the caller's collection cannot reach an optimizer built from this group.
        Parameters = Array.AsReadOnly(parameters.ToArray());
    }

    public IReadOnlyList<(string Name, Parameter Parameter)> Parameters { get; }

    public double? lr { get; init; }

    public double? weight_decay { get; init; }

    /// <summary>AdamW: coefficients of the running averages of the gradient and of its square.</summary>
    public (double, double)? betas { get; init; }

    /// <summary>AdamW: added to the denominator for numerical stability.</summary>
    public double? eps { get; init; }

    /// <summary>AdamW: use the maximum of past squared-gradient averages (AMSGrad).</summary>
    public bool? amsgrad { get; init; }

    /// <summary>SGD: momentum factor.</summary>
    public double? momentum { get; init; }

    /// <summary>SGD: dampening of the momentum.</summary>
    public double? dampening { get; init; }

    /// <summary>SGD: Nesterov momentum.</summary>
    public bool? nesterov { get; init; }
}
