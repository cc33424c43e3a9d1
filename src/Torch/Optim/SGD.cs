namespace Cluster.Torch.Optim;

/// <summary>
/// Stochastic gradient descent with optional momentum, dampening, weight decay and Nesterov momentum, PyTorch's
/// <c>torch.optim.SGD</c>, computed by libtorch's <c>torch::optim::SGD</c>. Per-parameter state: "momentum_buffer",
/// only when momentum is non-zero.
/// </summary>
public sealed class SGD : Optimizer
{
    // ts_optimizer_kind TS_OPTIM_SGD.
    private const int NativeKind = 1;

    private static readonly string[] Options = ["lr", "momentum", "dampening", "weight_decay", "nesterov"];
    private static readonly string[] MomentumKeys = ["momentum_buffer"];

    /// <summary>One group holding <paramref name="named_parameters"/>.</summary>
    public SGD(IEnumerable<(string Name, Parameter Parameter)> named_parameters, double lr, double momentum = 0, double dampening = 0,
        double weight_decay = 0, bool nesterov = false)
        : this([new ParamGroup(named_parameters)], lr, momentum, dampening, weight_decay, nesterov)
    {
    }

    /// <summary>
    /// Several groups; options a group leaves null take the values given here. As in PyTorch, the learning rate has no
    /// default: when <paramref name="lr"/> is null every group must set its own.
    /// </summary>
    public SGD(IEnumerable<ParamGroup> param_groups, double? lr = null, double momentum = 0, double dampening = 0,
        double weight_decay = 0, bool nesterov = false)
        : base(NativeKind, Resolve(param_groups, lr, momentum, dampening, weight_decay, nesterov))
    {
    }

    public override string Name => "SGD";

    private protected override IReadOnlyList<string> OptionNames => Options;

    private protected override void Pack(ParamGroup resolved, Span<double> options)
    {
        options[0] = resolved.lr!.Value;
        options[1] = resolved.momentum!.Value;
        options[2] = resolved.dampening!.Value;
        options[3] = resolved.weight_decay!.Value;
        options[4] = resolved.nesterov!.Value ? 1 : 0;
    }

    private protected override ParamGroup Unpack(ParamGroup current, ReadOnlySpan<double> options, int index) =>
        Validated(current with
        {
            lr = options[0],
            momentum = options[1],
            dampening = options[2],
            weight_decay = options[3],
            nesterov = Flag(options[4], "nesterov"),
        }, index);

    private protected override IReadOnlyList<string> StateKeys(ParamGroup resolved) => resolved.momentum != 0 ? MomentumKeys : [];

    private static ParamGroup[] Resolve(IEnumerable<ParamGroup> param_groups, double? lr, double momentum, double dampening,
        double weight_decay, bool nesterov)
    {
        ArgumentNullException.ThrowIfNull(param_groups);
        return [.. param_groups.Select((group, index) =>
        {
            ArgumentNullException.ThrowIfNull(group, nameof(param_groups));
            if (group.betas is not null || group.eps is not null || group.amsgrad is not null)
                throw new ArgumentException($"parameter group {index} sets an AdamW option (betas, eps or amsgrad), which SGD does not have", nameof(param_groups));
            return Validated(group with
            {
                lr = group.lr ?? lr ?? throw new ArgumentException($"parameter group {index} has no lr and the optimizer has no default", nameof(param_groups)),
                momentum = group.momentum ?? momentum,
                dampening = group.dampening ?? dampening,
                weight_decay = group.weight_decay ?? weight_decay,
                nesterov = group.nesterov ?? nesterov,
            }, index);
        })];
    }

    // PyTorch's checks, in its order.
    private static ParamGroup Validated(ParamGroup group, int index)
    {
        var where = $"parameter group {index}";
        CheckLearningRate(group.lr!.Value, $"{where}: lr");
        if (!(group.momentum >= 0)) throw new ArgumentOutOfRangeException($"{where}: momentum", group.momentum, "momentum must be non-negative");
        if (!(group.weight_decay >= 0)) throw new ArgumentOutOfRangeException($"{where}: weight_decay", group.weight_decay, "weight decay must be non-negative");
        if (!double.IsFinite(group.dampening!.Value)) throw new ArgumentOutOfRangeException($"{where}: dampening", group.dampening, "dampening must be finite");
        if (group.nesterov!.Value && (group.momentum <= 0 || group.dampening != 0))
            throw new ArgumentException($"{where}: Nesterov momentum requires a momentum and zero dampening");
        return group;
    }
}
