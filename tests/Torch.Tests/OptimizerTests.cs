using System.Runtime.InteropServices;
using Cluster.Torch.Optim;
using Cluster.Torch.Safetensors;
using static Cluster.Torch.torch;

namespace Cluster.Torch.Tests;

public sealed class OptimizerTests : IDisposable
{
    private const int Steps = 50;

    private readonly string _dir = Path.Combine(Path.GetTempPath(), $"optimizer-tests-{Guid.NewGuid():N}");

    public OptimizerTests() => Directory.CreateDirectory(_dir);

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    public static TheoryData<string> Runs => ["adamw", "adamw_amsgrad", "sgd"];

    // ---- parity with PyTorch -----------------------------------------------------------------

    /// <summary>The fixture's 50-step runs (generate_parity.py, PyTorch 1.13): losses, final parameters and state.</summary>
    [Theory]
    [MemberData(nameof(Runs))]
    public void MatchesPyTorchOverFiftySteps(string run)
    {
        using var scope = NewDisposeScope();
        var fixture = LoadFixture();
        var (w, b) = (NewParameter(fixture["init.w"]), NewParameter(fixture["init.b"]));
        using var optimizer = Make(run, w, b);

        var expectedLosses = fixture[$"{run}.losses"].ToArray<double>();
        Assert.Equal(Steps, expectedLosses.Length);
        for (var i = 0; i < Steps; i++)
        {
            var loss = TrainStep(optimizer, fixture["x"], fixture["y"], w, b);
            Assert.True(Math.Abs(loss - expectedLosses[i]) <= 1e-5 * Math.Abs(expectedLosses[i]),
                $"{run} step {i}: PyTorch loss {expectedLosses[i]:R}, ours {loss:R}");
        }
        AssertClose(fixture[$"{run}.final.w"], w, 1e-6, $"{run} final w");
        AssertClose(fixture[$"{run}.final.b"], b, 1e-6, $"{run} final b");

        using var state = optimizer.state_dict();
        Assert.Equal(["b", "w"], state.State.Keys.Order());
        foreach (var name in new[] { "w", "b" })
        {
            var prefix = $"{run}.state.{name}.";
            var expectedKeys = fixture.Keys.Where(k => k.StartsWith(prefix, StringComparison.Ordinal)).Select(k => k[prefix.Length..]).Order();
            Assert.Equal(expectedKeys, state.State[name].Keys.Order());
            foreach (var (key, actual) in state.State[name])
            {
                if (key == "step")
                    Assert.Equal(fixture[prefix + key].item<double>(), actual.item<double>());
                else
                    AssertClose(fixture[prefix + key], actual, 1e-6, $"{run} state {name}.{key}");
            }
        }
    }

    // ---- state export and import ----------------------------------------------------------------

    /// <summary>
    /// 20 steps, a checkpoint through ToTensors, a safetensors file and FromTensors, then 30 steps of a fresh optimizer on
    /// fresh parameters: bit for bit the run of 50 uninterrupted steps.
    /// </summary>
    [Theory]
    [MemberData(nameof(Runs))]
    public void ResumedRunEqualsUninterruptedRun(string run)
    {
        using var scope = NewDisposeScope();
        var fixture = LoadFixture();
        var (x, y) = (fixture["x"], fixture["y"]);

        var (w, b) = (NewParameter(fixture["init.w"]), NewParameter(fixture["init.b"]));
        using var straight = Make(run, w, b);
        var straightLosses = Enumerable.Range(0, Steps).Select(_ => TrainStep(straight, x, y, w, b)).ToArray();

        var (w1, b1) = (NewParameter(fixture["init.w"]), NewParameter(fixture["init.b"]));
        var losses = new List<double>();
        string file = Path.Combine(_dir, "optimizer.safetensors");
        using (var first = Make(run, w1, b1))
        {
            for (var i = 0; i < 20; i++) losses.Add(TrainStep(first, x, y, w1, b1));
            using var saved = first.state_dict();
            var (tensors, metadata) = saved.ToTensors();
            SafetensorsWriter.Write(file, tensors.Select(t => ToData(t.Key, t.Value)), metadata);
        }

        var (w2, b2) = (NewParameter(w1), NewParameter(b1));
        using var resumed = Make(run, w2, b2);
        using (var reader = SafetensorsFile.Open(file))
        {
            var tensors = reader.Entries.ToDictionary(e => e.Name, e => FromEntry(reader, e));
            using var loaded = OptimizerState.FromTensors(tensors, reader.Metadata);
            resumed.load_state_dict(loaded);
        }
        for (var i = 20; i < Steps; i++) losses.Add(TrainStep(resumed, x, y, w2, b2));

        Assert.Equal(straightLosses, losses);
        Assert.Equal(w.ToArray<float>(), w2.ToArray<float>());
        Assert.Equal(b.ToArray<float>(), b2.ToArray<float>());
        using var expected = straight.state_dict();
        using var actual = resumed.state_dict();
        AssertSameState(expected, actual);
    }

    [Fact]
    public void StateDictIsASnapshotAndRoundTripsThroughTensorsExactly()
    {
        using var scope = NewDisposeScope();
        var (w, b) = (NewParameter(randn(4, 3)), NewParameter(zeros(3)));
        using var optimizer = optim.AdamW([new ParamGroup([("layer.0.weight", w)]) { lr = 0.02 }, new ParamGroup([("layer.0.bias", b)]) { weight_decay = 0 }],
            lr: 1e-2, betas: (0.8, 0.95), eps: 1e-6, amsgrad: true);
        using var empty = optimizer.state_dict();
        Assert.Empty(empty.State);

        var (x, y) = (randn(8, 4), randn(8, 3));
        TrainStep(optimizer, x, y, w, b);
        optimizer.SetLearningRate(1, 0.125);
        using var state = optimizer.state_dict();
        var before = state.State["layer.0.weight"]["exp_avg"].ToArray<float>();
        TrainStep(optimizer, x, y, w, b);
        Assert.Equal(before, state.State["layer.0.weight"]["exp_avg"].ToArray<float>());

        var (tensors, metadata) = state.ToTensors();
        Assert.Equal(
            ["state.layer.0.bias.exp_avg", "state.layer.0.bias.exp_avg_sq", "state.layer.0.bias.max_exp_avg_sq", "state.layer.0.bias.step",
             "state.layer.0.weight.exp_avg", "state.layer.0.weight.exp_avg_sq", "state.layer.0.weight.max_exp_avg_sq", "state.layer.0.weight.step"],
            tensors.Keys.Order(StringComparer.Ordinal));
        Assert.Equal("AdamW", metadata["optimizer"]);
        Assert.Equal("2", metadata["param_groups"]);
        Assert.Equal("[\"layer.0.weight\"]", metadata["group.0.params"]);
        Assert.Equal("0.125", metadata["group.1.lr"]);
        Assert.Equal("0.8", metadata["group.0.beta1"]);
        Assert.Equal("1", metadata["group.0.amsgrad"]);

        using var back = OptimizerState.FromTensors(tensors, metadata);
        AssertSameState(state, back);
        Assert.Equal(new[] { 0.02, 0.125 }, back.ParamGroups.Select(g => g.Options["lr"]));
        Assert.Equal(0.0, back.ParamGroups[1].Options["weight_decay"]);
        Assert.Equal(0.01, back.ParamGroups[0].Options["weight_decay"]);
    }

    [Fact]
    public void LoadRestoresHyperparametersAndReplacesAllState()
    {
        using var scope = NewDisposeScope();
        var (w, b) = (NewParameter(randn(4, 3)), NewParameter(zeros(3)));
        var (x, y) = (randn(8, 4), randn(8, 3));
        using var source = optim.SGD([("w", w), ("b", b)], lr: 0.3, momentum: 0.5);
        using var saved = source.state_dict();

        using var target = optim.SGD([("w", w), ("b", b)], lr: 0.01, momentum: 0.9, dampening: 0.1);
        TrainStep(target, x, y, w, b);
        Assert.Equal(2, target.state_dict().State.Count);
        target.load_state_dict(saved);
        Assert.Empty(target.state_dict().State);
        Assert.Equal(0.3, target.GetLearningRate(0));
        var group = Assert.Single(target.param_groups);
        Assert.Equal((0.3, 0.5, 0.0), (group.lr, group.momentum, group.dampening));
    }

    // ---- errors ---------------------------------------------------------------------------------

    [Fact]
    public void LoadRejectsUnknownMissingAndMisshapenParametersByName()
    {
        using var scope = NewDisposeScope();
        var (x, y) = (randn(8, 4), randn(8, 3));
        var (w, b) = (NewParameter(randn(4, 3)), NewParameter(zeros(3)));
        using var source = optim.AdamW([("w", w), ("b", b)]);
        TrainStep(source, x, y, w, b);
        using var saved = source.state_dict();

        using (var renamed = optim.AdamW([("w", NewParameter(w)), ("bias", NewParameter(b))]))
        {
            var error = Assert.Throws<ArgumentException>(() => renamed.load_state_dict(saved));
            Assert.Contains("'b'", error.Message);
        }
        using (var fewer = optim.AdamW([("w", NewParameter(w))]))
            Assert.Contains("'b'", Assert.Throws<ArgumentException>(() => fewer.load_state_dict(saved)).Message);
        using (var more = optim.AdamW([("w", NewParameter(w)), ("b", NewParameter(b)), ("extra", NewParameter(zeros(2)))]))
            Assert.Contains("lacks parameter 'extra'", Assert.Throws<ArgumentException>(() => more.load_state_dict(saved)).Message);
        using (var misshapen = optim.AdamW([("w", NewParameter(randn(3, 4))), ("b", NewParameter(b))]))
        {
            var error = Assert.Throws<ArgumentException>(() => misshapen.load_state_dict(saved));
            Assert.Contains("parameter 'w'", error.Message);
            Assert.Contains("[4, 3]", error.Message);
        }
        using (var sgd = optim.SGD([("w", NewParameter(w)), ("b", NewParameter(b))], lr: 0.1))
            Assert.Contains("AdamW", Assert.Throws<ArgumentException>(() => sgd.load_state_dict(saved)).Message);

        // State tensors for a parameter that is in no group, and a foreign key.
        var (tensors, metadata) = saved.ToTensors();
        tensors["state.ghost.exp_avg"] = zeros(3);
        using (var ghost = OptimizerState.FromTensors(tensors, metadata))
            Assert.Contains("'ghost'", Assert.Throws<ArgumentException>(() => source.load_state_dict(ghost)).Message);
        tensors.Remove("state.ghost.exp_avg");
        tensors["state.b.momentum_buffer"] = zeros(3);
        using (var foreign = OptimizerState.FromTensors(tensors, metadata))
            Assert.Contains("'momentum_buffer'", Assert.Throws<ArgumentException>(() => source.load_state_dict(foreign)).Message);
    }

    [Fact]
    public void FailedLoadLeavesTheOptimizerUnchanged()
    {
        using var scope = NewDisposeScope();
        var (x, y) = (randn(8, 4), randn(8, 3));
        var (w, b) = (NewParameter(randn(4, 3)), NewParameter(zeros(3)));
        using var optimizer = optim.AdamW([("w", w), ("b", b)], lr: 0.05);
        TrainStep(optimizer, x, y, w, b);
        using var before = optimizer.state_dict();
        var (tensors, metadata) = before.ToTensors();
        tensors["state.b.exp_avg"] = zeros(4);
        metadata["group.0.lr"] = "0.5";
        using var bad = OptimizerState.FromTensors(tensors, metadata);
        Assert.Throws<ArgumentException>(() => optimizer.load_state_dict(bad));
        Assert.Equal(0.05, optimizer.GetLearningRate(0));
        using var after = optimizer.state_dict();
        AssertSameState(before, after);
    }

    [Fact]
    public void RejectsInvalidOptionsAndParameterLists()
    {
        using var scope = NewDisposeScope();
        var w = NewParameter(randn(2, 2));
        Assert.Throws<ArgumentOutOfRangeException>(() => optim.AdamW([("w", w)], lr: -1e-3));
        Assert.Throws<ArgumentOutOfRangeException>(() => optim.SGD([("w", w)], lr: -0.1));
        Assert.Throws<ArgumentOutOfRangeException>(() => optim.AdamW([("w", w)], betas: (0.9, 1.0)));
        Assert.Throws<ArgumentException>(() => optim.SGD([("w", w)], lr: 0.1, nesterov: true));
        Assert.Throws<ArgumentException>(() => optim.SGD([new ParamGroup([("w", w)])]));
        Assert.Throws<ArgumentException>(() => optim.AdamW([new ParamGroup([("w", w)]) { momentum = 0.9 }]));
        Assert.Throws<ArgumentException>(() => optim.AdamW(Array.Empty<(string, Parameter)>()));
        Assert.Contains("'w'", Assert.Throws<ArgumentException>(() => optim.AdamW([("w", w), ("w", NewParameter(zeros(2)))])).Message);
        Assert.Contains("same tensor", Assert.Throws<ArgumentException>(() => optim.AdamW([("w", w), ("v", w)])).Message);

        using var optimizer = optim.AdamW([("w", w)]);
        Assert.Throws<ArgumentOutOfRangeException>(() => optimizer.SetLearningRate(0, -1e-4));
        Assert.Throws<ArgumentOutOfRangeException>(() => optimizer.SetLearningRate(1, 1e-4));
        Assert.Equal(1e-3, optimizer.GetLearningRate(0));
    }

    // ---- parameter groups and schedulers ----------------------------------------------------------

    [Fact]
    public void WeightDecayGroupsExemptBiasesOneDimensionalAndNormParameters()
    {
        using var scope = NewDisposeScope();
        (string, Parameter)[] named =
        [
            ("encoder.layer.0.attention.query.weight", NewParameter(randn(4, 4))),
            ("encoder.layer.0.attention.query.bias", NewParameter(zeros(4))),
            ("encoder.layer.0.LayerNorm.weight", NewParameter(ones(4))),
            ("encoder.layer_norm.scale", NewParameter(ones(1, 4))),
            ("encoder.final_norm.weight", NewParameter(ones(4, 4))),
            ("encoder.gain", NewParameter(ones(4))),
            ("encoder.temperature", NewParameter(ones([]))),
            ("encoder.layer.0.conv.bias_proj", NewParameter(randn(4, 4))),
            ("head.weight", NewParameter(randn(2, 4))),
        ];
        var groups = ParamGroups.WithWeightDecay(named, 0.05);
        Assert.Equal(2, groups.Count);
        Assert.Equal(0.05, groups[0].weight_decay);
        Assert.Equal(["encoder.layer.0.attention.query.weight", "head.weight"], groups[0].Parameters.Select(p => p.Name));
        Assert.Equal(0.0, groups[1].weight_decay);
        Assert.Equal(
            ["encoder.layer.0.attention.query.bias", "encoder.layer.0.LayerNorm.weight", "encoder.layer_norm.scale", "encoder.final_norm.weight",
             "encoder.gain", "encoder.temperature", "encoder.layer.0.conv.bias_proj"],
            groups[1].Parameters.Select(p => p.Name));

        var onlyMatrices = ParamGroups.WithWeightDecay(named.Where(n => n.Item1 == "head.weight"), 0.05);
        Assert.Equal(0.05, Assert.Single(onlyMatrices).weight_decay);
        var custom = ParamGroups.WithWeightDecay(named, 0.1, (name, _) => name.StartsWith("head", StringComparison.Ordinal));
        Assert.Equal(["head.weight"], custom[1].Parameters.Select(p => p.Name));

        using var optimizer = optim.AdamW(groups, lr: 1e-3, weight_decay: 0.3);
        Assert.Equal(new double?[] { 0.05, 0.0 }, optimizer.param_groups.Select(g => g.weight_decay));
    }

    [Fact]
    public void EachGroupStepsWithItsOwnLearningRate()
    {
        using var scope = NewDisposeScope();
        var (a, c) = (NewParameter(zeros(3)), NewParameter(zeros(2)));
        using var optimizer = optim.SGD([new ParamGroup([("a", a)]) { lr = 0.5 }, new ParamGroup([("c", c)])], lr: 0.25);
        Assert.Equal(2, optimizer.GroupCount);
        Assert.Equal(0.5, optimizer.GetLearningRate(0));
        Assert.Equal(0.25, optimizer.GetLearningRate(1));

        // d(sum)/dp = 1, so plain SGD moves every element by exactly -lr.
        (a.sum() + c.sum()).backward();
        optimizer.step();
        Assert.Equal(new float[] { -0.5f, -0.5f, -0.5f }, a.ToArray<float>());
        Assert.Equal(new float[] { -0.25f, -0.25f }, c.ToArray<float>());

        optimizer.SetLearningRate(1, 1.0);
        optimizer.step();
        Assert.Equal(new float[] { -1, -1, -1 }, a.ToArray<float>());
        Assert.Equal(new float[] { -1.25f, -1.25f }, c.ToArray<float>());
        Assert.Equal(new double?[] { 0.5, 1.0 }, optimizer.param_groups.Select(g => g.lr));
    }

    [Fact]
    public void SchedulerDrivesTheOptimizersLearningRates()
    {
        using var scope = NewDisposeScope();
        var (a, c) = (NewParameter(zeros(3)), NewParameter(zeros(2)));
        using var optimizer = optim.AdamW([new ParamGroup([("a", a)]) { lr = 0.1 }, new ParamGroup([("c", c)]) { lr = 0.01 }]);
        var scheduler = Schedules.LinearWithWarmup(optimizer, warmupSteps: 2, totalSteps: 6);
        Assert.Equal(new[] { 0.0, 0.0 }, new[] { optimizer.GetLearningRate(0), optimizer.GetLearningRate(1) });
        scheduler.Step();
        Assert.Equal(new[] { 0.05, 0.005 }, new[] { optimizer.GetLearningRate(0), optimizer.GetLearningRate(1) });
        scheduler.Step();
        scheduler.Step();
        Assert.Equal(0.1 * 0.75, optimizer.GetLearningRate(0), 15);
        Assert.Equal(scheduler.LastLearningRates, [optimizer.GetLearningRate(0), optimizer.GetLearningRate(1)]);

        // The rate the step uses is the scheduled one: lr 0 leaves parameters where they are.
        var zero = Schedules.LinearWithWarmup(optimizer, warmupSteps: 2, totalSteps: 6);
        Assert.Equal(0.0, optimizer.GetLearningRate(0));
        (a.sum() + c.sum()).backward();
        optimizer.step();
        Assert.Equal(new float[3], a.ToArray<float>());
        Assert.Equal(0, zero.LastEpoch);
    }

    [Fact]
    public void ZeroGradDropsOrZeroesGradients()
    {
        using var scope = NewDisposeScope();
        var (a, c) = (NewParameter(ones(3)), NewParameter(ones(2)));
        using var optimizer = optim.SGD([("a", a), ("c", c)], lr: 0.1);
        (a.sum() * 2 + c.sum()).backward();
        Assert.Equal(new float[] { 2, 2, 2 }, a.grad!.ToArray<float>());

        optimizer.zero_grad(set_to_none: false);
        Assert.Equal(new float[3], a.grad!.ToArray<float>());
        Assert.Equal(new float[2], c.grad!.ToArray<float>());

        optimizer.zero_grad();
        Assert.Null(a.grad);
        Assert.Null(c.grad);
        optimizer.step();
        Assert.Equal(new float[] { 1, 1, 1 }, a.ToArray<float>());
    }

    [Fact]
    public void DisposedOptimizerThrows()
    {
        var optimizer = optim.SGD([("w", NewParameter(zeros(2)))], lr: 0.1);
        optimizer.Dispose();
        optimizer.Dispose();
        Assert.Throws<ObjectDisposedException>(optimizer.step);
        Assert.Throws<ObjectDisposedException>(() => optimizer.state_dict());
    }

    // ---- gradient clipping -----------------------------------------------------------------------

    [Fact]
    public void ClipGradNormScalesToTheMaximumAndReturnsTheNormBefore()
    {
        using var scope = NewDisposeScope();
        manual_seed(7);
        var parameters = new[] { NewParameter(zeros(3, 4)), NewParameter(zeros(5)), NewParameter(zeros(2)) };
        parameters[0].grad = randn(3, 4);
        parameters[1].grad = randn(5);
        // parameters[2] has no gradient and must be ignored.
        var manual = Math.Sqrt(parameters.Where(p => p.grad is not null).Sum(p => p.grad!.ToArray<float>().Sum(g => (double)g * g)));

        var total = nn.utils.clip_grad_norm_(parameters, max_norm: 0.5);
        Assert.Equal(manual, total, 1e-5);
        Assert.Equal(0.5, GradNorm(parameters), 1e-6);
        Assert.Null(parameters[2].grad);

        var below = parameters.Select(p => p.grad?.ToArray<float>()).ToArray();
        var again = nn.utils.clip_grad_norm_(parameters, max_norm: 10);
        Assert.Equal(0.5, again, 1e-6);
        Assert.Equal(below, parameters.Select(p => p.grad?.ToArray<float>()));
    }

    [Fact]
    public void ClipGradNormSupportsTheMaxNormAndNoGradients()
    {
        using var scope = NewDisposeScope();
        var (a, c) = (NewParameter(zeros(2)), NewParameter(zeros(1)));
        Assert.Equal(0.0, nn.utils.clip_grad_norm_([a, c], 1.0));
        a.grad = tensor(new float[] { 3, -4 });
        c.grad = tensor(new float[] { 12 });
        Assert.Equal(12.0, nn.utils.clip_grad_norm_([a, c], 6.0, double.PositiveInfinity), 1e-6);
        Assert.Equal(new[] { 1.5, -2, 6 }, a.grad!.ToArray<float>().Concat(c.grad!.ToArray<float>()).Select(v => Math.Round(v, 5)));
    }

    // ---- helpers ---------------------------------------------------------------------------------

    /// <summary>Builds the optimizer of a fixture run, as generate_parity.py configures it.</summary>
    private static Optimizer Make(string run, Parameter w, Parameter b) => run switch
    {
        "adamw" => optim.AdamW([new ParamGroup([("w", w)]) { weight_decay = 0.01 }, new ParamGroup([("b", b)]) { weight_decay = 0.0 }], lr: 1e-2),
        "adamw_amsgrad" => optim.AdamW([new ParamGroup([("w", w)]) { weight_decay = 0.01 }, new ParamGroup([("b", b)]) { weight_decay = 0.0 }],
            lr: 5e-3, amsgrad: true),
        "sgd" => optim.SGD([("w", w), ("b", b)], lr: 5e-2, momentum: 0.9, nesterov: true, weight_decay: 1e-4),
        _ => throw new ArgumentOutOfRangeException(nameof(run), run, "no such fixture run"),
    };

    /// <summary>One step of the fixture's least-squares problem; returns the loss before the step.</summary>
    private static double TrainStep(Optimizer optimizer, Tensor x, Tensor y, Parameter w, Parameter b)
    {
        using var scope = NewDisposeScope();
        optimizer.zero_grad();
        var loss = (x.matmul(w) + b - y).pow(2).mean();
        loss.backward();
        var value = loss.item<double>();
        optimizer.step();
        return value;
    }

    /// <summary>A parameter holding a copy of <paramref name="values"/>, so runs never share storage.</summary>
    private static Parameter NewParameter(Tensor values)
    {
        using var copy = values.detach().clone();
        return new Parameter(copy);
    }

    private static double GradNorm(IEnumerable<Parameter> parameters) =>
        Math.Sqrt(parameters.Where(p => p.grad is not null).Sum(p => p.grad!.ToArray<float>().Sum(g => (double)g * g)));

    private static Dictionary<string, Tensor> LoadFixture()
    {
        using var file = SafetensorsFile.Open(Path.Combine(AppContext.BaseDirectory, "Fixtures", "parity", "optim.safetensors"));
        return file.Entries.ToDictionary(e => e.Name, e => FromEntry(file, e));
    }

    private static Tensor FromEntry(SafetensorsFile file, SafetensorsEntry entry)
    {
        var bytes = file.GetBytes(entry);
        var shape = entry.Shape.ToArray();
        var result = entry.DType switch
        {
            DType.Float32 => tensor(MemoryMarshal.Cast<byte, float>(bytes)),
            DType.Float64 => tensor(MemoryMarshal.Cast<byte, double>(bytes)),
            _ => throw new NotSupportedException($"fixture tensor '{entry.Name}' is {entry.DType}"),
        };
        // Created flat, then reshaped: tensor() reads an empty shape as "1-D", which would lose 0-d scalars.
        return result.reshape(shape);
    }

    private static SafetensorsTensorData ToData(string name, Tensor t)
    {
        var bytes = new byte[t.numel() * t.dtype.ElementSize()];
        t.CopyTo(bytes);
        return new SafetensorsTensorData(name, t.dtype, t.shape, bytes);
    }

    private static void AssertClose(Tensor expected, Tensor actual, double atol, string what)
    {
        Assert.Equal(expected.shape, actual.shape);
        var e = expected.to(DType.Float64).ToArray<double>();
        var a = actual.to(DType.Float64).ToArray<double>();
        for (var i = 0; i < e.Length; i++)
            Assert.True(Math.Abs(e[i] - a[i]) <= atol, $"{what} [{i}]: PyTorch {e[i]:R}, ours {a[i]:R}");
    }

    private static void AssertSameState(OptimizerState expected, OptimizerState actual)
    {
        Assert.Equal(expected.OptimizerName, actual.OptimizerName);
        Assert.Equal(expected.ParamGroups.Count, actual.ParamGroups.Count);
        for (var g = 0; g < expected.ParamGroups.Count; g++)
        {
            Assert.Equal(expected.ParamGroups[g].ParameterNames, actual.ParamGroups[g].ParameterNames);
            Assert.Equal(expected.ParamGroups[g].Options.OrderBy(o => o.Key), actual.ParamGroups[g].Options.OrderBy(o => o.Key));
        }
        Assert.Equal(expected.State.Keys.Order(), actual.State.Keys.Order());
        foreach (var (name, entries) in expected.State)
        {
            Assert.Equal(entries.Keys.Order(), actual.State[name].Keys.Order());
            foreach (var (key, tensor) in entries)
            {
                Assert.Equal(tensor.shape, actual.State[name][key].shape);
                Assert.Equal(tensor.to(DType.Float64).ToArray<double>(), actual.State[name][key].to(DType.Float64).ToArray<double>());
            }
        }
    }
}
