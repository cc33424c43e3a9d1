using Cluster.Torch.Modules;
using Cluster.Torch.Safetensors;
using static Cluster.Torch.torch;

namespace Cluster.Torch.Tests;

public sealed class ModuleTests : IDisposable
{
    private readonly string directory = Path.Combine(Path.GetTempPath(), "module-tests-" + Guid.NewGuid().ToString("N"));

    public ModuleTests() => Directory.CreateDirectory(directory);

    public void Dispose() => Directory.Delete(directory, recursive: true);

    private sealed class TinyModel : Module<Tensor, Tensor>
    {
        public readonly Sequential encoder = nn.Sequential(nn.Linear(4, 8), nn.GELU(), nn.Linear(8, 4));
        public readonly LayerNorm norm = nn.LayerNorm(4);

        public TinyModel() => RegisterComponents();

        public override Tensor forward(Tensor input) => norm.forward(encoder.forward(input));
    }

    private sealed class WithBuffers : Module
    {
        [Buffer] public Tensor running = zeros(3);
        [Buffer(persistent: false)] public Tensor cache = ones(2);
        [Buffer] public Tensor steps = tensor(new long[] { 7 });
        public Parameter scale = new(ones(3));
        public Linear inner = nn.Linear(3, 2);

        public WithBuffers() => RegisterComponents();
    }

    [Fact]
    public void Field_names_give_dotted_parameter_names_in_registration_order()
    {
        using var model = new TinyModel();
        string[] expected = ["encoder.0.weight", "encoder.0.bias", "encoder.2.weight", "encoder.2.bias", "norm.weight", "norm.bias"];
        Assert.Equal(expected, model.named_parameters().Select(p => p.name));
        Assert.Equal(["", "encoder", "encoder.0", "encoder.1", "encoder.2", "norm"], model.named_modules().Select(m => m.name));
        Assert.Equal(["encoder", "norm"], model.named_children().Select(c => c.name));
        Assert.Same(((Linear)model.encoder[2]).bias, model.get_parameter("encoder.2.bias"));
        Assert.Same(model.norm, model.get_submodule("norm"));
        Assert.Equal(6, model.parameters().Count());

        using var scope = NewDisposeScope();
        Assert.Equal(expected, model.state_dict().Keys);
    }

    [Fact]
    public void Buffers_are_registered_and_only_persistent_ones_are_saved()
    {
        using var module = new WithBuffers();
        Assert.Equal(["running", "cache", "steps"], module.named_buffers().Select(b => b.name));
        Assert.Equal(["scale", "inner.weight", "inner.bias"], module.named_parameters().Select(p => p.name));
        using var scope = NewDisposeScope();
        // Each module's parameters, then its persistent buffers, then its children: PyTorch's order.
        Assert.Equal(["scale", "running", "steps", "inner.weight", "inner.bias"], module.state_dict().Keys);
    }

    [Fact]
    public void State_dict_values_share_storage_with_the_module()
    {
        using var linear = nn.Linear(2, 2);
        using var scope = NewDisposeScope();
        var state = linear.state_dict();
        Assert.False(state["weight"].requires_grad);
        state["weight"].fill_(3);
        Assert.All(linear.weight.ToArray<float>(), v => Assert.Equal(3f, v));
    }

    [Fact]
    public void Strict_load_lists_missing_and_unexpected_keys_and_changes_nothing()
    {
        using var linear = nn.Linear(3, 2);
        using var scope = NewDisposeScope();
        var before = linear.weight.ToArray<float>();
        var state = new Dictionary<string, Tensor> { ["weight"] = ones(2, 3), ["extra"] = zeros(1) };
        var error = Assert.Throws<ArgumentException>(() => linear.load_state_dict(state));
        Assert.StartsWith("Error(s) in loading state_dict for Linear:", error.Message);
        Assert.Contains("Missing key(s) in state_dict: \"bias\".", error.Message);
        Assert.Contains("Unexpected key(s) in state_dict: \"extra\".", error.Message);
        Assert.Equal(before, linear.weight.ToArray<float>());
    }

    [Fact]
    public void Non_strict_load_reports_both_lists_and_copies_in_place()
    {
        using var linear = nn.Linear(3, 2);
        using var scope = NewDisposeScope();
        var weight = linear.weight;
        var state = new Dictionary<string, Tensor> { ["weight"] = ones(2, 3).@double(), ["extra"] = zeros(1) };
        var result = linear.load_state_dict(state, strict: false);
        Assert.Equal(["bias"], result.MissingKeys);
        Assert.Equal(["extra"], result.UnexpectedKeys);
        // Same Parameter object, so an optimizer built earlier still trains it; dtype converted on copy.
        Assert.Same(weight, linear.weight);
        Assert.Same(weight, linear.parameters().First());
        Assert.Equal(DType.Float32, linear.weight.dtype);
        Assert.True(linear.weight.requires_grad);
        Assert.All(linear.weight.ToArray<float>(), v => Assert.Equal(1f, v));
    }

    [Fact]
    public void Shape_mismatch_is_an_error_even_when_not_strict()
    {
        using var linear = nn.Linear(3, 2);
        using var scope = NewDisposeScope();
        var bias = linear.bias!.ToArray<float>();
        var state = new Dictionary<string, Tensor> { ["weight"] = ones(3, 3), ["bias"] = zeros(2) };
        var error = Assert.Throws<ArgumentException>(() => linear.load_state_dict(state, strict: false));
        Assert.Contains("size mismatch for weight: copying a param with shape [3, 3] from checkpoint, the shape in current model is [2, 3]", error.Message);
        Assert.Equal(bias, linear.bias!.ToArray<float>());
    }

    [Fact]
    public void Train_and_eval_propagate_and_dropout_is_identity_in_eval()
    {
        using var model = new TinyModel();
        using var dropout = nn.Dropout(0.5);
        var sequential = nn.Sequential(dropout);
        Assert.All(model.modules(), m => Assert.True(m.training));
        TinyModel same = model.eval();
        Assert.Same(model, same);
        Assert.All(model.modules(), m => Assert.False(m.training));
        model.train();
        Assert.All(model.modules(), m => Assert.True(m.training));

        using var scope = NewDisposeScope();
        var x = ones(1000);
        var trained = sequential.forward(x).ToArray<float>();
        Assert.Contains(0f, trained);
        Assert.All(trained, v => Assert.True(v == 0f || v == 2f));
        sequential.eval();
        Assert.False(dropout.training);
        Assert.All(sequential.forward(x).ToArray<float>(), v => Assert.Equal(1f, v));
    }

    [Fact]
    public void Safetensors_round_trip_restores_identical_outputs()
    {
        var path = Path.Combine(directory, "tiny.safetensors");
        using var scope = NewDisposeScope();
        manual_seed(1);
        using var original = new TinyModel();
        original.save_safetensors(path, new Dictionary<string, string> { ["format"] = "pt" });
        manual_seed(2);
        using var restored = new TinyModel();
        var x = randn(3, 4);
        Assert.NotEqual(original.forward(x).ToArray<float>(), restored.forward(x).ToArray<float>());

        var result = restored.load_safetensors(path);
        Assert.Empty(result.MissingKeys);
        Assert.Empty(result.UnexpectedKeys);
        Assert.Equal(original.forward(x).ToArray<float>(), restored.forward(x).ToArray<float>());
        using var file = SafetensorsFile.Open(path);
        Assert.Equal("pt", file.Metadata["format"]);
        Assert.Equal(original.named_parameters().Select(p => p.name), file.Entries.Select(e => e.Name));
    }

    [Fact]
    public void Tensor_dictionaries_round_trip_through_safetensors_in_order()
    {
        var path = Path.Combine(directory, "tensors.safetensors");
        using var scope = NewDisposeScope();
        var tensors = new Dictionary<string, Tensor>
        {
            ["f32"] = randn(2, 3),
            ["transposed"] = arange(6.0).reshape(2, 3).t(),
            ["f64"] = randn([4], DType.Float64),
            ["bf16"] = randn(3).bfloat16(),
            ["i64"] = arange(5),
            ["mask"] = arange(4).gt(1),
            ["scalar"] = scalar_tensor(2.5),
            ["empty"] = zeros(0, 3),
        };
        save_safetensors(tensors, path);
        var loaded = load_safetensors(path);
        Assert.Equal(tensors.Keys, loaded.Keys);
        foreach (var (name, expected) in tensors)
        {
            var actual = loaded[name];
            Assert.Equal(expected.dtype, actual.dtype);
            Assert.Equal(expected.shape, actual.shape);
            Assert.True(expected.eq(actual).all().item<bool>(), name);
        }
    }

    [Fact]
    public void Complex_tensors_are_refused_by_save_safetensors()
    {
        using var scope = NewDisposeScope();
        var spectrum = complex(ones(2), zeros(2));
        var error = Assert.Throws<ArgumentException>(() =>
            save_safetensors(new Dictionary<string, Tensor> { ["spec"] = spectrum }, Path.Combine(directory, "c.safetensors")));
        Assert.Contains("complex", error.Message);
        Assert.False(File.Exists(Path.Combine(directory, "c.safetensors")));
    }

    [Fact]
    public void Dispose_releases_parameters_and_buffers_recursively()
    {
        var module = new WithBuffers();
        var tensors = module.parameters().Cast<Tensor>().Concat(module.buffers()).ToList();
        Assert.Equal(6, tensors.Count);
        module.Dispose();
        Assert.All(tensors, t => Assert.True(t.IsDisposed));
    }

    [Fact]
    public void To_dtype_replaces_floating_tensors_updates_fields_and_keeps_integer_buffers()
    {
        using var module = new WithBuffers();
        using var scope = NewDisposeScope();
        var oldWeight = module.inner.weight;
        var same = module.to(Device.CPU);
        Assert.Same(module, same);
        Assert.Same(oldWeight, module.inner.weight);

        module.to(DType.Float64);
        Assert.True(oldWeight.IsDisposed);
        Assert.NotSame(oldWeight, module.inner.weight);
        Assert.Same(module.inner.weight, module.get_parameter("inner.weight"));
        Assert.All(module.parameters(), p => Assert.Equal(DType.Float64, p.dtype));
        Assert.All(module.parameters(), p => Assert.True(p.requires_grad));
        Assert.Equal(DType.Float64, module.running.dtype);
        Assert.Equal(DType.Int64, module.steps.dtype);
        Assert.Equal(DType.Float64, module.inner.forward(ones([1, 3], DType.Float64)).dtype);
        Assert.Throws<ArgumentException>(() => module.to(DType.Int32));
    }

    [Fact]
    public void Zero_grad_clears_every_gradient()
    {
        using var model = new TinyModel();
        using var scope = NewDisposeScope();
        model.forward(randn(2, 4)).sum().backward();
        Assert.All(model.parameters(), p => Assert.NotNull(p.grad));
        model.zero_grad(set_to_none: false);
        Assert.All(model.parameters(), p => Assert.Equal(0f, p.grad!.abs().sum().item<float>()));
        model.zero_grad();
        Assert.All(model.parameters(), p => Assert.Null(p.grad));
    }

    [Fact]
    public void Shared_modules_are_listed_once_but_saved_under_every_name()
    {
        using var linear = nn.Linear(2, 2);
        var twice = nn.Sequential(linear, linear);
        Assert.Equal(["0.weight", "0.bias"], twice.named_parameters().Select(p => p.name));
        using var scope = NewDisposeScope();
        Assert.Equal(["0.weight", "0.bias", "1.weight", "1.bias"], twice.state_dict().Keys);
    }

    [Fact]
    public void Module_list_names_children_by_index()
    {
        using var layers = nn.ModuleList(nn.Linear(2, 3), nn.Linear(3, 3));
        layers.Add(nn.Linear(3, 1));
        Assert.Equal(3, layers.Count);
        Assert.Equal(1, layers[2].out_features);
        Assert.Equal(["0", "1", "2"], layers.named_children().Select(c => c.name));
        Assert.Equal(["0.weight", "0.bias", "1.weight", "1.bias", "2.weight", "2.bias"], layers.named_parameters().Select(p => p.name));
        Assert.Equal(3, layers.Count(l => l.in_features > 0));
    }

    [Fact]
    public void Apply_visits_children_before_parents()
    {
        using var model = new TinyModel();
        var visited = new List<string>();
        model.apply(m => visited.Add(m.ToString()));
        Assert.Equal(["Linear", "GELU", "Linear", "Sequential", "LayerNorm", "TinyModel"], visited);
    }

    [Fact]
    public void Registration_rejects_dotted_names_and_names_of_another_kind()
    {
        using var linear = nn.Linear(2, 2);
        Assert.Throws<ArgumentException>(() => linear.register_parameter("a.b", null));
        Assert.Throws<ArgumentException>(() => linear.register_buffer("weight", zeros(1)));
        linear.register_buffer("counts", zeros(2), persistent: false);
        Assert.Equal(["counts"], linear.named_buffers().Select(b => b.name));
    }

    [Fact]
    public void Layers_produce_pytorch_shapes()
    {
        using var scope = NewDisposeScope();
        using var conv = nn.Conv2d(3, 8, kernel_size: 3, stride: 2, padding: 1);
        Assert.Equal(new long[] { 2, 8, 8, 8 }, conv.forward(randn(2, 3, 16, 16)).shape);
        using var embedding = nn.Embedding(10, 4, padding_idx: -1);
        Assert.Equal(9L, embedding.padding_idx);
        Assert.All(embedding.weight[9].ToArray<float>(), v => Assert.Equal(0f, v));
        Assert.Equal(new long[] { 2, 3, 4 }, embedding.forward(tensor(new long[] { 1, 2, 3, 4, 5, 9 }, 2, 3)).shape);
        using var lstm = nn.LSTM(4, 6, num_layers: 2);
        var (output, (hN, cN)) = lstm.forward(randn(5, 3, 4));
        Assert.Equal(new long[] { 5, 3, 6 }, output.shape);
        Assert.Equal(new long[] { 2, 3, 6 }, hN.shape);
        Assert.Equal(new long[] { 2, 3, 6 }, cN.shape);
        using var norm = nn.GroupNorm(2, 4, affine: false);
        Assert.Empty(norm.parameters());
        Assert.Throws<ArgumentException>(() => nn.GroupNorm(3, 4));
        Assert.Throws<ArgumentException>(() => nn.Conv1d(3, 4, 3, groups: 2));
    }
}
