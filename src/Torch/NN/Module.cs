using System.Reflection;

namespace Cluster.Torch.Modules;

/// <summary>
/// Base of every layer and model (torch.nn.Module): holds named parameters, buffers and submodules
/// in registration order, so checkpoint keys come out as PyTorch and Hugging Face spell them
/// (<c>encoder.layers.0.fc1.weight</c>).
/// </summary>
/// <remarks>
/// A model declares its parts as fields and calls <see cref="RegisterComponents"/> at the end of
/// its constructor; the field names become the keys. Unlike Python, assigning a field later does
/// not register anything: use <see cref="register_parameter"/>, <see cref="register_buffer"/> or
/// <see cref="register_module"/> for that. <c>train</c>, <c>eval</c>, <c>to</c> and <c>apply</c>
/// are extension methods (<see cref="ModuleExtensions"/>) so they return the module's own type.
/// </remarks>
public abstract class Module : IDisposable
{
    private readonly OrderedDictionary<string, Parameter?> ownParameters = new(StringComparer.Ordinal);
    private readonly OrderedDictionary<string, Tensor?> ownBuffers = new(StringComparer.Ordinal);
    private readonly HashSet<string> nonPersistent = new(StringComparer.Ordinal);
    private readonly OrderedDictionary<string, Module> ownModules = new(StringComparer.Ordinal);

    // Fields bound by RegisterComponents, so that to() can point them at the replacement tensors.
    private readonly Dictionary<string, FieldInfo> boundFields = new(StringComparer.Ordinal);

    /// <summary>Whether the module is in training mode (dropout active); see <c>train</c> / <c>eval</c>.</summary>
    public bool training { get; private set; } = true;

    // ---- registration --------------------------------------------------------------------

    /// <summary>
    /// Registers this instance's fields, base class first and each class in declaration order:
    /// <see cref="Parameter"/> fields as parameters (a null one as an absent parameter, like
    /// PyTorch's <c>register_parameter(name, None)</c>), <see cref="Module"/> fields as submodules,
    /// and tensor fields marked <see cref="BufferAttribute"/> as buffers. The field name is the key;
    /// an auto-property's backing field is keyed by the property name.
    /// </summary>
    protected void RegisterComponents()
    {
        var chain = new List<Type>();
        for (var type = GetType(); type is not null && type != typeof(Module); type = type.BaseType) chain.Add(type);
        chain.Reverse();
        foreach (var type in chain)
        {
            // Metadata tokens follow declaration order; GetFields itself promises no order.
            var fields = type.GetFields(BindingFlags.Instance | BindingFlags.Public | BindingFlags.NonPublic | BindingFlags.DeclaredOnly)
                .OrderBy(f => f.MetadataToken);
            foreach (var field in fields)
            {
                var name = ComponentName(field);
                var value = field.GetValue(this);
                if (typeof(Parameter).IsAssignableFrom(field.FieldType))
                {
                    AddParameter(name, (Parameter?)value, field);
                }
                else if (typeof(Module).IsAssignableFrom(field.FieldType))
                {
                    if (value is Module module) register_module(name, module);
                }
                else if (field.GetCustomAttribute<BufferAttribute>() is { } buffer)
                {
                    if (!typeof(Tensor).IsAssignableFrom(field.FieldType))
                        throw new InvalidOperationException($"{field.DeclaringType?.Name}.{field.Name} is marked [Buffer] but is a {field.FieldType.Name}, not a Tensor");
                    AddBuffer(name, (Tensor?)value, buffer.Persistent, field);
                }
            }
        }
    }

    private static string ComponentName(FieldInfo field)
    {
        const string suffix = ">k__BackingField";
        var name = field.Name;
        return name.StartsWith('<') && name.EndsWith(suffix, StringComparison.Ordinal) ? name[1..^suffix.Length] : name;
    }

    /// <summary>
    /// Adds (or replaces, keeping its position) a parameter; null registers an absent one. Replacing
    /// one that <see cref="RegisterComponents"/> took from a field unbinds the field, which keeps its
    /// old value.
    /// </summary>
    public void register_parameter(string name, Parameter? parameter) => AddParameter(name, parameter, null);

    /// <summary>
    /// Adds (or replaces) a buffer: state that is not trained, such as running statistics. The module
    /// takes ownership (the tensor leaves its dispose scope). Only persistent buffers are saved in
    /// <see cref="state_dict"/>.
    /// </summary>
    public void register_buffer(string name, Tensor? tensor, bool persistent = true) => AddBuffer(name, tensor, persistent, null);

    /// <summary>Adds (or replaces) a submodule; its entries appear under <c>name.</c>.</summary>
    public void register_module(string name, Module module)
    {
        ArgumentNullException.ThrowIfNull(module);
        CheckName(name, ownModules);
        ownModules[name] = module;
    }

    private void AddParameter(string name, Parameter? parameter, FieldInfo? field)
    {
        CheckName(name, ownParameters);
        ownParameters[name] = parameter;
        Bind(name, field);
    }

    private void AddBuffer(string name, Tensor? tensor, bool persistent, FieldInfo? field)
    {
        CheckName(name, ownBuffers);
        tensor?.DetachFromDisposeScope();
        ownBuffers[name] = tensor;
        if (persistent) nonPersistent.Remove(name);
        else nonPersistent.Add(name);
        Bind(name, field);
    }

    private void Bind(string name, FieldInfo? field)
    {
        if (field is null) boundFields.Remove(name);
        else boundFields[name] = field;
    }

    // One name, one kind of entry: a key must say unambiguously what a checkpoint value restores.
    private void CheckName(string name, object addingTo)
    {
        ArgumentException.ThrowIfNullOrEmpty(name);
        if (name.Contains('.')) throw new ArgumentException($"name '{name}' must not contain '.'", nameof(name));
        if ((addingTo != ownParameters && ownParameters.ContainsKey(name))
            || (addingTo != ownBuffers && ownBuffers.ContainsKey(name))
            || (addingTo != ownModules && ownModules.ContainsKey(name)))
            throw new ArgumentException($"{TypeName} already has an entry named '{name}' of another kind", nameof(name));
    }

    // ---- traversal -----------------------------------------------------------------------

    /// <summary>(name, parameter) pairs with dotted names, in registration order; a shared parameter appears once.</summary>
    public IEnumerable<(string name, Parameter parameter)> named_parameters(bool recurse = true)
    {
        var seen = new HashSet<Tensor>(ReferenceEqualityComparer.Instance);
        foreach (var (prefix, module) in recurse ? named_modules() : [("", this)])
            foreach (var (name, parameter) in module.ownParameters)
                if (parameter is not null && seen.Add(parameter))
                    yield return (Join(prefix, name), parameter);
    }

    public IEnumerable<Parameter> parameters(bool recurse = true) => named_parameters(recurse).Select(p => p.parameter);

    /// <summary>(name, buffer) pairs with dotted names, persistent or not; a shared buffer appears once.</summary>
    public IEnumerable<(string name, Tensor buffer)> named_buffers(bool recurse = true)
    {
        var seen = new HashSet<Tensor>(ReferenceEqualityComparer.Instance);
        foreach (var (prefix, module) in recurse ? named_modules() : [("", this)])
            foreach (var (name, buffer) in module.ownBuffers)
                if (buffer is not null && seen.Add(buffer))
                    yield return (Join(prefix, name), buffer);
    }

    public IEnumerable<Tensor> buffers(bool recurse = true) => named_buffers(recurse).Select(b => b.buffer);

    /// <summary>Direct submodules in registration order.</summary>
    public IEnumerable<(string name, Module module)> named_children()
    {
        foreach (var (name, module) in ownModules) yield return (name, module);
    }

    public IEnumerable<Module> children() => ownModules.Values;

    /// <summary>This module (named "") and every descendant, depth first; a shared module appears once.</summary>
    public IEnumerable<(string name, Module module)> named_modules() =>
        NamedModules(new HashSet<Module>(ReferenceEqualityComparer.Instance), "");

    public IEnumerable<Module> modules() => named_modules().Select(m => m.module);

    private IEnumerable<(string name, Module module)> NamedModules(HashSet<Module> seen, string prefix)
    {
        if (!seen.Add(this)) yield break;
        yield return (prefix, this);
        foreach (var (name, child) in ownModules)
            foreach (var entry in child.NamedModules(seen, Join(prefix, name)))
                yield return entry;
    }

    /// <summary>The submodule at a dotted path ("" is this module).</summary>
    public Module get_submodule(string target)
    {
        ArgumentNullException.ThrowIfNull(target);
        var module = this;
        if (target.Length == 0) return module;
        foreach (var part in target.Split('.'))
            module = module.ownModules.TryGetValue(part, out var child)
                ? child
                : throw new KeyNotFoundException($"{module.TypeName} has no submodule '{part}' (looking up '{target}')");
        return module;
    }

    /// <summary>The parameter at a dotted path such as <c>encoder.0.weight</c>.</summary>
    public Parameter get_parameter(string target)
    {
        ArgumentNullException.ThrowIfNull(target);
        var split = target.LastIndexOf('.');
        var owner = split < 0 ? this : get_submodule(target[..split]);
        var name = target[(split + 1)..];
        return owner.ownParameters.TryGetValue(name, out var parameter) && parameter is not null
            ? parameter
            : throw new KeyNotFoundException($"{owner.TypeName} has no parameter '{name}' (looking up '{target}')");
    }

    private static string Join(string prefix, string name) => prefix.Length == 0 ? name : $"{prefix}.{name}";

    private string TypeName
    {
        get
        {
            var name = GetType().Name;
            var tick = name.IndexOf('`');
            return tick < 0 ? name : name[..tick];
        }
    }

    // ---- state ---------------------------------------------------------------------------

    /// <summary>
    /// Parameters and persistent buffers by dotted name, in PyTorch's order (each module's own
    /// parameters, then its buffers, then its children). Each value is a new detached handle that
    /// shares storage with the module's tensor, as PyTorch's state_dict does: writing to it changes
    /// the model. The caller disposes the values (or lets a dispose scope do it).
    /// </summary>
    public Dictionary<string, Tensor> state_dict()
    {
        // Insertion-only, so enumeration follows insertion order.
        var result = new Dictionary<string, Tensor>(StringComparer.Ordinal);
        try
        {
            foreach (var (key, tensor) in StateEntries("")) result.Add(key, tensor.detach());
        }
        catch
        {
            foreach (var tensor in result.Values) tensor.Dispose();
            throw;
        }
        return result;
    }

    // The module's own tensors that state_dict saves and load_state_dict restores.
    private IEnumerable<(string key, Tensor tensor)> StateEntries(string prefix)
    {
        foreach (var (name, parameter) in ownParameters)
            if (parameter is not null) yield return (prefix + name, parameter);
        foreach (var (name, buffer) in ownBuffers)
            if (buffer is not null && !nonPersistent.Contains(name)) yield return (prefix + name, buffer);
        foreach (var (name, child) in ownModules)
            foreach (var entry in child.StateEntries($"{prefix}{name}."))
                yield return entry;
    }

    /// <summary>
    /// Copies <paramref name="state_dict"/>'s values into the parameters and persistent buffers in
    /// place (under no_grad, converting dtype and device), so optimizers built on this module keep
    /// working. A shape mismatch is always an error; with <paramref name="strict"/> missing and
    /// unexpected keys are too. Everything is checked before anything is copied, so a failed load
    /// leaves the module unchanged.
    /// </summary>
    /// <exception cref="ArgumentException">Shapes differ, or (strict) keys are missing or unexpected.</exception>
    public LoadStateDictResult load_state_dict(IReadOnlyDictionary<string, Tensor> state_dict, bool strict = true)
    {
        ArgumentNullException.ThrowIfNull(state_dict);
        var expected = new HashSet<string>(StringComparer.Ordinal);
        var copies = new List<(Tensor target, Tensor source)>();
        var missing = new List<string>();
        var errors = new List<string>();
        foreach (var (key, target) in StateEntries(""))
        {
            expected.Add(key);
            if (!state_dict.TryGetValue(key, out var source))
            {
                missing.Add(key);
                continue;
            }
            ArgumentNullException.ThrowIfNull(source, $"{nameof(state_dict)}[\"{key}\"]");
            long[] have = target.shape, given = source.shape;
            if (!have.AsSpan().SequenceEqual(given))
                errors.Add($"size mismatch for {key}: copying a param with shape {Shape(given)} from checkpoint, the shape in current model is {Shape(have)}.");
            else
                copies.Add((target, source));
        }
        var unexpected = state_dict.Keys.Where(k => !expected.Contains(k)).ToList();
        if (strict)
        {
            // PyTorch's order: missing, then unexpected, then size mismatches.
            if (unexpected.Count > 0) errors.Insert(0, $"Unexpected key(s) in state_dict: {Quoted(unexpected)}.");
            if (missing.Count > 0) errors.Insert(0, $"Missing key(s) in state_dict: {Quoted(missing)}.");
        }
        if (errors.Count > 0)
            throw new ArgumentException($"Error(s) in loading state_dict for {TypeName}:\n\t{string.Join("\n\t", errors)}");

        using (torch.no_grad())
            foreach (var (target, source) in copies) target.copy_(source);
        return new LoadStateDictResult(missing, unexpected);
    }

    private static string Shape(long[] shape) => $"[{string.Join(", ", shape)}]";

    private static string Quoted(IEnumerable<string> keys) => string.Join(", ", keys.Select(k => $"\"{k}\""));

    /// <summary>Writes <see cref="state_dict"/> to a safetensors file.</summary>
    public void save_safetensors(string path, IReadOnlyDictionary<string, string>? metadata = null)
    {
        var state = state_dict();
        try
        {
            torch.save_safetensors(state, path, metadata);
        }
        finally
        {
            foreach (var tensor in state.Values) tensor.Dispose();
        }
    }

    /// <summary>Loads a safetensors file with <see cref="load_state_dict"/>.</summary>
    public LoadStateDictResult load_safetensors(string path, bool strict = true)
    {
        var state = torch.load_safetensors(path);
        try
        {
            return load_state_dict(state, strict);
        }
        finally
        {
            foreach (var tensor in state.Values) tensor.Dispose();
        }
    }

    // ---- modes, gradients, conversion ----------------------------------------------------

    internal void SetTraining(bool mode)
    {
        foreach (var module in modules()) module.training = mode;
    }

    /// <summary>Clears (default) or zeroes the gradient of every parameter.</summary>
    public void zero_grad(bool set_to_none = true)
    {
        foreach (var parameter in parameters()) parameter.zero_grad(set_to_none);
    }

    /// <summary>
    /// Replaces every parameter and buffer that <paramref name="convert"/> changes (dtype or device)
    /// by a new tensor, keeping names, requires_grad and gradients, and disposes the old one. Shared
    /// tensors stay shared.
    /// </summary>
    internal void ConvertTensors(Func<Tensor, Tensor> convert)
    {
        var replaced = new Dictionary<Tensor, Tensor>(ReferenceEqualityComparer.Instance);
        using (torch.no_grad())
            foreach (var module in modules()) module.ConvertOwn(convert, replaced);
        foreach (var old in replaced.Keys) old.Dispose();
    }

    private void ConvertOwn(Func<Tensor, Tensor> convert, Dictionary<Tensor, Tensor> replaced)
    {
        foreach (var name in ownParameters.Keys.ToList())
        {
            if (ownParameters[name] is not { } old) continue;
            if (!replaced.TryGetValue(old, out var replacement))
            {
                using var converted = convert(old);
                if (SameKind(converted, old)) continue;
                var parameter = new Parameter(converted, old.requires_grad);
                using (var grad = old.grad)
                    if (grad is not null)
                        using (var movedGrad = convert(grad)) parameter.grad = movedGrad;
                replaced[old] = replacement = parameter;
            }
            ownParameters[name] = (Parameter)replacement;
            if (boundFields.TryGetValue(name, out var field)) field.SetValue(this, replacement);
        }
        foreach (var name in ownBuffers.Keys.ToList())
        {
            if (ownBuffers[name] is not { } old) continue;
            if (!replaced.TryGetValue(old, out var replacement))
            {
                var converted = convert(old);
                if (SameKind(converted, old))
                {
                    converted.Dispose();
                    continue;
                }
                replaced[old] = replacement = converted.DetachFromDisposeScope();
            }
            ownBuffers[name] = replacement;
            if (boundFields.TryGetValue(name, out var field)) field.SetValue(this, replacement);
        }
    }

    private static bool SameKind(Tensor a, Tensor b) => a.dtype == b.dtype && a.device == b.device;

    // ---- disposal ------------------------------------------------------------------------

    /// <summary>Disposes every parameter and buffer of this module and its descendants.</summary>
    public void Dispose()
    {
        Dispose(true);
        GC.SuppressFinalize(this);
    }

    protected virtual void Dispose(bool disposing)
    {
        if (!disposing) return;
        foreach (var parameter in ownParameters.Values) parameter?.Dispose();
        foreach (var buffer in ownBuffers.Values) buffer?.Dispose();
        foreach (var child in ownModules.Values) child.Dispose();
    }

    public override string ToString() => TypeName;
}
