namespace Cluster.Torch.Optim;

/// <summary>
/// A parameter group as saved in an <see cref="OptimizerState"/>: the names of its parameters and its
/// hyperparameters. Options are numbers under PyTorch's keys ("lr", "weight_decay", ...), with the betas as "beta1"
/// and "beta2" and flags (amsgrad, nesterov) as 0 or 1, so that every value fits one flat, exact encoding.
/// </summary>
public sealed class OptimizerGroupState
{
    public OptimizerGroupState(IEnumerable<string> parameterNames, IReadOnlyDictionary<string, double> options)
    {
        ArgumentNullException.ThrowIfNull(parameterNames);
        ArgumentNullException.ThrowIfNull(options);
        ParameterNames = Array.AsReadOnly(parameterNames.ToArray());
        Options = new Dictionary<string, double>(options).AsReadOnly();
    }

    public IReadOnlyList<string> ParameterNames { get; }

    public IReadOnlyDictionary<string, double> Options { get; }
}
