namespace Cluster.Torch.Optim;

/// <summary>
/// AdamW (Loshchilov &amp; Hutter, decoupled weight decay), PyTorch's <c>torch.optim.AdamW</c> with its defaults,
/// computed by libtorch's <c>torch::optim::AdamW</c>. Per-parameter state: "step", "exp_avg", "exp_avg_sq" and, with
/// amsgrad, "max_exp_avg_sq".
/// </summary>
public sealed class AdamW : Optimizer
{
    // ts_optimizer_kind TS_OPTIM_ADAMW.
    private const int NativeKind = 0;

    private static readonly string[] Options = ["lr", "beta1", "beta2", "eps", "weight_decay", "amsgrad"];
    private static readonly string[] Keys = ["step", "exp_avg", "exp_avg_sq"];
    private static readonly string[] AmsgradKeys = ["step", "exp_avg", "exp_avg_sq", "max_exp_avg_sq"];

    /// <summary>One group holding <paramref name="named_parameters"/>.</summary>
    /// <param name="betas">(0.9, 0.999) when null.</param>
    public AdamW(IEnumerable<(string Name, Parameter Parameter)> named_parameters, double lr = 1e-3, (double, double)? betas = null,
        double eps = 1e-8, double weight_decay = 1e-2, bool amsgrad = false)
        : this([new ParamGroup(named_parameters)], lr, betas, eps, weight_decay, amsgrad)
    {
    }

    /// <summary>Several groups; options a group leaves null take the values given here.</summary>
    /// <param name="betas">(0.9, 0.999) when null.</param>
    public AdamW(IEnumerable<ParamGroup> param_groups, double lr = 1e-3, (double, double)? betas = null,
        double eps = 1e-8, double weight_decay = 1e-2, bool amsgrad = false)
        : base(NativeKind, Resolve(param_groups, lr, betas ?? (0.9, 0.999), eps, weight_decay, amsgrad))
    {
    }

    public override string Name => "AdamW";

    private protected override IReadOnlyList<string> OptionNames => Options;

    private protected override void Pack(ParamGroup resolved, Span<double> options)
    {
        var (beta1, beta2) = resolved.betas!.Value;
        options[0] = resolved.lr!.Value;
        options[1] = beta1;
        options[2] = beta2;
        options[3] = resolved.eps!.Value;
        options[4] = resolved.weight_decay!.Value;
        options[5] = resolved.amsgrad!.Value ? 1 : 0;
    }

    private protected override ParamGroup Unpack(ParamGroup current, ReadOnlySpan<double> options, int index) =>
        Validated(current with
        {
            lr = options[0],
            betas = (options[1], options[2]),
            eps = options[3],
            weight_decay = options[4],
            amsgrad = Flag(options[5], "amsgrad"),
        }, index);

    private protected override IReadOnlyList<string> StateKeys(ParamGroup resolved) => resolved.amsgrad!.Value ? AmsgradKeys : Keys;

    private static ParamGroup[] Resolve(IEnumerable<ParamGroup> param_groups, double lr, (double, double) betas, double eps,
        double weight_decay, bool amsgrad)
    {
        ArgumentNullException.ThrowIfNull(param_groups);
        return [.. param_groups.Select((group, index) =>
        {
            ArgumentNullException.ThrowIfNull(group, nameof(param_groups));
            if (group.momentum is not null || group.dampening is not null || group.nesterov is not null)
                throw new ArgumentException($"parameter group {index} sets an SGD option (momentum, dampening or nesterov), which AdamW does not have", nameof(param_groups));
            return Validated(group with
            {
                lr = group.lr ?? lr,
                betas = group.betas ?? betas,
                eps = group.eps ?? eps,
                weight_decay = group.weight_decay ?? weight_decay,
                amsgrad = group.amsgrad ?? amsgrad,
            }, index);
        })];
    }

    // PyTorch's checks, in its order.
    private static ParamGroup Validated(ParamGroup group, int index)
    {
        var where = $"parameter group {index}";
        CheckLearningRate(group.lr!.Value, $"{where}: lr");
        if (!(group.eps >= 0)) throw new ArgumentOutOfRangeException($"{where}: eps", group.eps, "epsilon must be non-negative");
        var (beta1, beta2) = group.betas!.Value;
        if (!(beta1 >= 0 && beta1 < 1)) throw new ArgumentOutOfRangeException($"{where}: betas", beta1, "beta 0 must be in [0, 1)");
        if (!(beta2 >= 0 && beta2 < 1)) throw new ArgumentOutOfRangeException($"{where}: betas", beta2, "beta 1 must be in [0, 1)");
        if (!(group.weight_decay >= 0)) throw new ArgumentOutOfRangeException($"{where}: weight_decay", group.weight_decay, "weight decay must be non-negative");
        return group;
    }
}
