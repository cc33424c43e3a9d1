using System.Text;
using Cluster.Torch.Interop;

namespace Cluster.Torch.Optim;

/// <summary>
/// Base of the optimizers, PyTorch's <c>torch.optim.Optimizer</c>, backed by libtorch's implementation of the same
/// algorithm. Parameters are named so that <see cref="state_dict"/> and <see cref="load_state_dict"/> match state by
/// name. Owns a native optimizer (which holds references to the parameters): dispose it to release them.
/// </summary>
public abstract class Optimizer : ILearningRateTarget, IDisposable
{
    // The shim's layout: a fixed number of option slots per group, whatever the kind.
    private const int OptionSlots = 8;

    private readonly int nativeKind;
    private readonly Dictionary<string, (int Group, int Index, Parameter Parameter)> byName = new(StringComparer.Ordinal);
    private readonly IReadOnlyList<(string Name, Parameter Parameter)> parameters;
    private ParamGroup[] groups;
    private IntPtr handle;

    /// <param name="nativeKind">The shim's <c>ts_optimizer_kind</c>.</param>
    /// <param name="resolved">Groups with every option of this kind filled in and validated.</param>
    private protected Optimizer(int nativeKind, IReadOnlyList<ParamGroup> resolved)
    {
        this.nativeKind = nativeKind;
        groups = [.. resolved];
        if (groups.Length == 0) throw new ArgumentException("optimizer got an empty list of parameter groups", nameof(resolved));
        var seen = new Dictionary<Parameter, string>(ReferenceEqualityComparer.Instance);
        for (var g = 0; g < groups.Length; g++)
        {
            for (var i = 0; i < groups[g].Parameters.Count; i++)
            {
                var (name, parameter) = groups[g].Parameters[i];
                if (string.IsNullOrEmpty(name)) throw new ArgumentException($"parameter {i} of group {g} has no name", nameof(resolved));
                ArgumentNullException.ThrowIfNull(parameter, name);
                if (!byName.TryAdd(name, (g, i, parameter)))
                    throw new ArgumentException($"parameter name '{name}' appears more than once", nameof(resolved));
                if (!seen.TryAdd(parameter, name))
                    throw new ArgumentException($"parameters '{seen[parameter]}' and '{name}' are the same tensor; a parameter may appear only once", nameof(resolved));
            }
        }
        if (byName.Count == 0) throw new ArgumentException("optimizer got an empty parameter list", nameof(resolved));
        parameters = Array.AsReadOnly(groups.SelectMany(g => g.Parameters).ToArray());
        handle = CreateNative(groups);
    }

    ~Optimizer() => Release();

    /// <summary>The PyTorch class name, recorded in <see cref="OptimizerState.OptimizerName"/>.</summary>
    public abstract string Name { get; }

    /// <summary>
    /// The groups with every option resolved and the current learning rates: a snapshot, so change rates with
    /// <see cref="SetLearningRate"/> rather than through it.
    /// </summary>
    public IReadOnlyList<ParamGroup> param_groups
    {
        get
        {
            var result = new ParamGroup[groups.Length];
            for (var g = 0; g < groups.Length; g++) result[g] = groups[g] with { lr = GetLearningRate(g) };
            return result;
        }
    }

    public int GroupCount => groups.Length;

    /// <summary>Every parameter the optimizer updates, group by group, with its name (fixed for the optimizer's life).</summary>
    public IReadOnlyList<(string Name, Parameter Parameter)> Parameters => parameters;

    private IntPtr Handle
    {
        get
        {
            var h = handle;
            if (h == IntPtr.Zero) throw new ObjectDisposedException(GetType().Name, "the optimizer was disposed; it cannot be used any more");
            return h;
        }
    }

    /// <summary>Performs one optimization step with the current gradients; parameters without a gradient are skipped.</summary>
    public void step()
    {
        NativeCheck.Status(Native.ts_optimizer_step(Handle));
        GC.KeepAlive(this);
    }

    /// <summary>Clears the parameters' gradients: drops them (the default, as in PyTorch 2) or fills them with zeros.</summary>
    public void zero_grad(bool set_to_none = true)
    {
        NativeCheck.Status(Native.ts_optimizer_zero_grad(Handle, set_to_none ? 1 : 0));
        GC.KeepAlive(this);
    }

    public unsafe double GetLearningRate(int group)
    {
        CheckGroup(group);
        double lr;
        NativeCheck.Status(Native.ts_optimizer_get_lr(Handle, group, &lr));
        GC.KeepAlive(this);
        return lr;
    }

    public void SetLearningRate(int group, double lr)
    {
        CheckGroup(group);
        CheckLearningRate(lr, nameof(lr));
        NativeCheck.Status(Native.ts_optimizer_set_lr(Handle, group, lr));
        GC.KeepAlive(this);
    }

    /// <summary>
    /// A snapshot of the optimizer: copies of every parameter's state tensors (so training on does not change it) and
    /// each group's parameter names and hyperparameters, learning rates as they are now.
    /// </summary>
    public OptimizerState state_dict()
    {
        var h = Handle;
        // The copies live in this scope; the state takes its own handles to them.
        using var scope = torch.NewDisposeScope();
        var groupStates = new OptimizerGroupState[groups.Length];
        var state = new Dictionary<string, IReadOnlyDictionary<string, Tensor>>(StringComparer.Ordinal);
        Span<double> packed = stackalloc double[OptionSlots];
        for (var g = 0; g < groups.Length; g++)
        {
            var resolved = groups[g] with { lr = GetLearningRate(g) };
            Pack(resolved, packed);
            var options = new Dictionary<string, double>(OptionNames.Count);
            for (var o = 0; o < OptionNames.Count; o++) options[OptionNames[o]] = packed[o];
            groupStates[g] = new OptimizerGroupState(groups[g].Parameters.Select(p => p.Name), options);

            var keys = StateKeys(resolved);
            for (var i = 0; i < groups[g].Parameters.Count; i++)
            {
                var entries = new Dictionary<string, Tensor>(StringComparer.Ordinal);
                foreach (var key in keys)
                {
                    var value = GetNativeState(h, g, i, key);
                    if (value is not null) entries[key] = value.clone();
                }
                if (entries.Count > 0) state[groups[g].Parameters[i].Name] = entries;
            }
        }
        GC.KeepAlive(this);
        return new OptimizerState(Name, groupStates, state);
    }

    /// <summary>
    /// Restores a state taken by <see cref="state_dict"/> (of this optimizer or of another one over parameters with the
    /// same names and shapes): hyperparameters of every group and the state of every parameter, replacing all current
    /// state. Everything is checked before anything changes; the state's tensors are copied, so it can be disposed after.
    /// </summary>
    /// <exception cref="ArgumentException">The state is of another optimizer kind or group layout, names a parameter this
    /// optimizer lacks or lacks one it has, or holds a tensor of the wrong shape or an unexpected key.</exception>
    public void load_state_dict(OptimizerState state)
    {
        ArgumentNullException.ThrowIfNull(state);
        var old = Handle;
        if (state.OptimizerName != Name)
            throw new ArgumentException($"the state is of a {state.OptimizerName} optimizer, this is {Name}", nameof(state));
        if (state.ParamGroups.Count != groups.Length)
            throw new ArgumentException($"the state has {state.ParamGroups.Count} parameter groups, this optimizer has {groups.Length}", nameof(state));

        var loaded = new ParamGroup[groups.Length];
        var inState = new HashSet<string>(StringComparer.Ordinal);
        for (var g = 0; g < groups.Length; g++)
        {
            foreach (var name in state.ParamGroups[g].ParameterNames)
            {
                if (!inState.Add(name))
                    throw new ArgumentException($"parameter '{name}' appears more than once in the state", nameof(state));
                if (!byName.TryGetValue(name, out var at))
                    throw new ArgumentException($"the state has parameter '{name}', which this optimizer does not have", nameof(state));
                if (at.Group != g)
                    throw new ArgumentException($"parameter '{name}' is in group {g} of the state but in group {at.Group} of this optimizer", nameof(state));
            }
            loaded[g] = FromOptions(groups[g], state.ParamGroups[g].Options, g);
        }
        foreach (var name in byName.Keys)
            if (!inState.Contains(name))
                throw new ArgumentException($"the state lacks parameter '{name}'", nameof(state));

        foreach (var (name, entries) in state.State)
        {
            if (!byName.TryGetValue(name, out var at))
                throw new ArgumentException($"the state holds tensors for parameter '{name}', which this optimizer does not have", nameof(state));
            CheckStateEntries(name, at.Parameter, entries, StateKeys(loaded[at.Group]));
        }

        // A fresh native optimizer takes the loaded hyperparameters (libtorch fixes most at construction) and starts
        // with no state, so parameters absent from the state end up with none, as after PyTorch's load_state_dict.
        var fresh = CreateNative(loaded);
        try
        {
            foreach (var (name, entries) in state.State)
            {
                var at = byName[name];
                foreach (var (key, value) in entries) SetNativeState(fresh, at.Group, at.Index, key, value);
            }
        }
        catch
        {
            Native.ts_optimizer_free(fresh);
            throw;
        }
        handle = fresh;
        groups = loaded;
        Native.ts_optimizer_free(old);
    }

    public void Dispose()
    {
        Release();
        GC.SuppressFinalize(this);
    }

    /// <summary>The names under which <see cref="Pack"/>'s slots are saved, in slot order.</summary>
    private protected abstract IReadOnlyList<string> OptionNames { get; }

    /// <summary>Writes a resolved group's options in the shim's slot order. Called by the base constructor, so it must not read instance state.</summary>
    private protected abstract void Pack(ParamGroup resolved, Span<double> options);

    /// <summary>The group <paramref name="current"/> with the options read back from a state, validated.</summary>
    private protected abstract ParamGroup Unpack(ParamGroup current, ReadOnlySpan<double> options, int index);

    /// <summary>The state keys every parameter of a group with these options has once it has state.</summary>
    private protected abstract IReadOnlyList<string> StateKeys(ParamGroup resolved);

    private protected static void CheckLearningRate(double lr, string what)
    {
        if (!(lr >= 0) || double.IsInfinity(lr))
            throw new ArgumentOutOfRangeException(what, lr, "learning rate must be finite and non-negative");
    }

    /// <summary>Reads a saved flag (see <see cref="OptimizerGroupState"/>).</summary>
    private protected static bool Flag(double value, string name) => value switch
    {
        0 => false,
        1 => true,
        _ => throw new ArgumentOutOfRangeException(name, value, "a flag must be 0 or 1"),
    };

    private ParamGroup FromOptions(ParamGroup current, IReadOnlyDictionary<string, double> options, int g)
    {
        Span<double> packed = stackalloc double[OptionSlots];
        foreach (var key in options.Keys)
            if (!OptionNames.Contains(key))
                throw new ArgumentException($"group {g} of the state has option '{key}', which {Name} does not have", "state");
        for (var o = 0; o < OptionNames.Count; o++)
        {
            if (!options.TryGetValue(OptionNames[o], out packed[o]))
                throw new ArgumentException($"group {g} of the state lacks option '{OptionNames[o]}'", "state");
        }
        try
        {
            return Unpack(current, packed, g);
        }
        catch (ArgumentException e)
        {
            throw new ArgumentException($"group {g} of the state has an invalid option: {e.Message}", "state", e);
        }
    }

    private static void CheckStateEntries(string name, Parameter parameter, IReadOnlyDictionary<string, Tensor> entries, IReadOnlyList<string> expected)
    {
        foreach (var key in entries.Keys)
            if (!expected.Contains(key))
                throw new ArgumentException($"the state of parameter '{name}' has key '{key}'; expected {Keys(expected)}", "state");
        foreach (var key in expected)
            if (!entries.ContainsKey(key))
                throw new ArgumentException($"the state of parameter '{name}' lacks '{key}'; expected {Keys(expected)}", "state");
        var shape = parameter.shape;
        foreach (var (key, value) in entries)
        {
            if (key == "step")
            {
                if (value.numel() != 1)
                    throw new ArgumentException($"the state 'step' of parameter '{name}' has {value.numel()} elements, not one", "state");
                continue;
            }
            var actual = value.shape;
            if (!actual.AsSpan().SequenceEqual(shape))
                throw new ArgumentException(
                    $"the state '{key}' of parameter '{name}' has shape [{string.Join(", ", actual)}], the parameter has [{string.Join(", ", shape)}]", "state");
        }
    }

    private static string Keys(IReadOnlyList<string> keys) => keys.Count == 0 ? "none" : string.Join(", ", keys);

    private unsafe IntPtr CreateNative(ParamGroup[] resolved)
    {
        var count = resolved.Sum(g => g.Parameters.Count);
        var handles = new IntPtr[count];
        var groupOf = new int[count];
        var options = new double[OptionSlots * resolved.Length];
        var n = 0;
        for (var g = 0; g < resolved.Length; g++)
        {
            Pack(resolved[g], options.AsSpan(OptionSlots * g, OptionSlots));
            foreach (var (_, parameter) in resolved[g].Parameters)
            {
                handles[n] = parameter.Handle;
                groupOf[n++] = g;
            }
        }
        IntPtr result;
        fixed (IntPtr* p = handles)
        fixed (int* o = groupOf)
        fixed (double* d = options)
            result = Native.ts_optimizer_new(nativeKind, p, o, count, d, resolved.Length);
        // The groups reference every parameter whose handle was just passed.
        GC.KeepAlive(resolved);
        return NativeCheck.Handle(result);
    }

    private static unsafe Tensor? GetNativeState(IntPtr optimizer, int group, int index, string key)
    {
        var text = Encoding.UTF8.GetBytes(key + "\0");
        IntPtr result;
        fixed (byte* k = text) result = Native.ts_optimizer_get_state(optimizer, group, index, k);
        result = NativeCheck.OptionalHandle(result);
        return result == IntPtr.Zero ? null : Tensor.Wrap(result);
    }

    private static unsafe void SetNativeState(IntPtr optimizer, int group, int index, string key, Tensor value)
    {
        var text = Encoding.UTF8.GetBytes(key + "\0");
        fixed (byte* k = text) NativeCheck.Status(Native.ts_optimizer_set_state(optimizer, group, index, k, value.Handle));
        GC.KeepAlive(value);
    }

    private void CheckGroup(int group)
    {
        if ((uint)group >= (uint)groups.Length)
            throw new ArgumentOutOfRangeException(nameof(group), group, $"the optimizer has {groups.Length} parameter groups");
    }

    private void Release()
    {
        var h = Interlocked.Exchange(ref handle, IntPtr.Zero);
        if (h != IntPtr.Zero) Native.ts_optimizer_free(h);
    }
}
