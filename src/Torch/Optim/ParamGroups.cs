namespace Cluster.Torch.Optim;

/// <summary>Builders for common parameter-group layouts.</summary>
public static class ParamGroups
{
    /// <summary>
    /// Splits parameters into a group decayed with <paramref name="weightDecay"/> and a group with no decay, as the
    /// Hugging Face Trainer does; empty groups are left out. <paramref name="noDecay"/> picks the undecayed
    /// parameters, <see cref="DefaultNoDecay"/> when null. Both groups keep the input order.
    /// </summary>
    public static IReadOnlyList<ParamGroup> WithWeightDecay(IEnumerable<(string name, Parameter p)> named, double weightDecay,
        Func<string, Parameter, bool>? noDecay = null)
    {
        ArgumentNullException.ThrowIfNull(named);
        if (!(weightDecay >= 0)) throw new ArgumentOutOfRangeException(nameof(weightDecay), weightDecay, "weight decay must be non-negative");
        var exclude = noDecay ?? DefaultNoDecay;
        var decayed = new List<(string, Parameter)>();
        var undecayed = new List<(string, Parameter)>();
        foreach (var (name, p) in named)
            (exclude(name, p) ? undecayed : decayed).Add((name, p));
        var groups = new List<ParamGroup>(2);
        if (decayed.Count > 0) groups.Add(new ParamGroup(decayed) { weight_decay = weightDecay });
        if (undecayed.Count > 0) groups.Add(new ParamGroup(undecayed) { weight_decay = 0.0 });
        return groups;
    }

    /// <summary>
    /// True for biases, for parameters of fewer than two dimensions (norm gains and biases, scalars) and for anything
    /// whose name mentions a norm layer ("norm", "layer_norm", "LayerNorm", any case): decaying these towards zero
    /// only hurts, which is why the usual recipes exempt them.
    /// </summary>
    public static bool DefaultNoDecay(string name, Parameter p)
    {
        ArgumentNullException.ThrowIfNull(name);
        ArgumentNullException.ThrowIfNull(p);
        var leaf = name[(name.LastIndexOf('.') + 1)..];
        return p.dim() < 2
            || leaf.Contains("bias", StringComparison.OrdinalIgnoreCase)
            || name.Contains("norm", StringComparison.OrdinalIgnoreCase);
    }
}
