using System.Text.Json;
using Cluster.Torch.Optim;

namespace Cluster.Torch.Tests;

public sealed class SchedulerTests
{
    private const double BaseLr = 0.001;

    public static TheoryData<string> ParityNames =>
    [
        "linear_warmup_decay",
        "constant_warmup",
        "cosine_warmup",
        "cosine_annealing",
        "cosine_warm_restarts",
        "reduce_on_plateau",
    ];

    /// <summary>
    /// The fixture holds, per scheduler, the rate PyTorch 1.13 read from the optimizer before each optimizer step,
    /// each followed by one scheduler step.
    /// </summary>
    [Theory]
    [MemberData(nameof(ParityNames))]
    public void MatchesPyTorch(string name)
    {
        var path = Path.Combine(AppContext.BaseDirectory, "Fixtures", "parity", "schedulers.json");
        using var fixture = JsonDocument.Parse(File.ReadAllText(path));
        var root = fixture.RootElement;
        Assert.Equal(BaseLr, root.GetProperty("base_lr").GetDouble());
        var entry = root.GetProperty("schedulers").GetProperty(name);
        var expected = entry.GetProperty("lrs").EnumerateArray().Select(e => e.GetDouble()).ToArray();
        Assert.Equal(root.GetProperty("steps").GetInt32(), expected.Length);

        var optimizer = new FakeOptimizer(BaseLr);
        Action<int> step;
        if (name == "reduce_on_plateau")
        {
            var metrics = entry.GetProperty("metrics").EnumerateArray().Select(e => e.GetDouble()).ToArray();
            var plateau = new ReduceLROnPlateau(optimizer, PlateauMode.Min, factor: 0.5, patience: 2, threshold: 1e-4,
                thresholdMode: ThresholdMode.Rel, cooldown: 1, minLr: 1e-5);
            step = i => plateau.Step(metrics[i]);
        }
        else
        {
            LRScheduler scheduler = name switch
            {
                "linear_warmup_decay" => Schedules.LinearWithWarmup(optimizer, warmupSteps: 10, totalSteps: 50),
                "constant_warmup" => Schedules.ConstantWithWarmup(optimizer, warmupSteps: 10),
                "cosine_warmup" => Schedules.CosineWithWarmup(optimizer, warmupSteps: 5, totalSteps: 50, numCycles: 0.5),
                "cosine_annealing" => new CosineAnnealingLR(optimizer, tMax: 20, etaMin: 1e-5),
                "cosine_warm_restarts" => new CosineAnnealingWarmRestarts(optimizer, t0: 10, tMult: 2, etaMin: 1e-5),
                _ => throw new ArgumentOutOfRangeException(nameof(name), name, "no such fixture entry"),
            };
            step = _ => scheduler.Step();
        }

        for (var i = 0; i < expected.Length; i++)
        {
            var actual = optimizer.GetLearningRate(0);
            Assert.True(Close(expected[i], actual), $"{name} step {i}: PyTorch {expected[i]:R}, ours {actual:R}");
            step(i);
        }
    }

    /// <summary>What trainers run: the total read per step, learned during the warm-up (an epoch-based job's first
    /// schedule), gives PyTorch's rates; before it is known the rate after the warm-up is the base rate.</summary>
    [Fact]
    public void LinearScheduleWithTheTotalLearnedLaterMatchesPyTorch()
    {
        var path = Path.Combine(AppContext.BaseDirectory, "Fixtures", "parity", "schedulers.json");
        using var fixture = JsonDocument.Parse(File.ReadAllText(path));
        var expected = fixture.RootElement.GetProperty("schedulers").GetProperty("linear_warmup_decay").GetProperty("lrs")
            .EnumerateArray().Select(e => e.GetDouble()).ToArray();
        var optimizer = new FakeOptimizer(BaseLr);
        int total = 0;
        var scheduler = Schedules.LinearWithWarmup(optimizer, warmupSteps: 10, totalSteps: () => total);
        for (var i = 0; i < expected.Length; i++)
        {
            if (i == 3) total = 50;
            Assert.True(Close(expected[i], optimizer.GetLearningRate(0)), $"step {i}: PyTorch {expected[i]:R}, ours {optimizer.GetLearningRate(0):R}");
            scheduler.Step();
        }

        var unknown = new FakeOptimizer(BaseLr);
        var unknownTotal = Schedules.LinearWithWarmup(unknown, warmupSteps: 2, totalSteps: () => 0);
        for (var i = 0; i < 5; i++) unknownTotal.Step();
        Assert.Equal(BaseLr, unknown.GetLearningRate(0));
    }

    [Fact]
    public void LRSchedulerStateRoundTripsThroughJsonMidRun()
    {
        static CosineAnnealingWarmRestarts Make(FakeOptimizer o) => new(o, t0: 3, tMult: 2, etaMin: 1e-5);
        var original = new FakeOptimizer(0.1, 0.02);
        var scheduler = Make(original);
        for (var i = 0; i < 7; i++)
            scheduler.Step();

        var json = JsonSerializer.Serialize(scheduler.GetState());
        var resumedOptimizer = new FakeOptimizer(0.1, 0.02);
        var resumed = Make(resumedOptimizer);
        resumed.LoadState(JsonSerializer.Deserialize<SchedulerState>(json)!);

        Assert.Equal(scheduler.LastEpoch, resumed.LastEpoch);
        for (var i = 0; i < 20; i++)
        {
            Assert.Equal(original.Rates, resumedOptimizer.Rates);
            Assert.Equal(scheduler.LastLearningRates, resumed.LastLearningRates);
            scheduler.Step();
            resumed.Step();
        }
    }

    /// <summary>
    /// The recursive cosine formula scales the optimizer's current rate, so a resume must restore that rate too;
    /// the fresh optimizer here starts at the base rate, as it would before its own checkpoint is loaded.
    /// </summary>
    [Fact]
    public void CosineAnnealingResumesFromStateAcrossTMax()
    {
        var original = new FakeOptimizer(BaseLr);
        var scheduler = new CosineAnnealingLR(original, tMax: 5, etaMin: 1e-5);
        for (var i = 0; i < 4; i++)
            scheduler.Step();

        var state = scheduler.GetState();
        var resumedOptimizer = new FakeOptimizer(BaseLr);
        var resumed = new CosineAnnealingLR(resumedOptimizer, tMax: 5, etaMin: 1e-5);
        resumed.LoadState(state);

        for (var i = 0; i < 25; i++)
        {
            scheduler.Step();
            resumed.Step();
            Assert.Equal(original.Rates, resumedOptimizer.Rates);
        }
    }

    /// <summary>
    /// PyTorch's recursive cosine scales whatever rate the optimizer holds, so a change made by someone else carries
    /// forward; the closed form would ignore it. (Over the parity run the two forms differ only in the last bit.)
    /// </summary>
    [Fact]
    public void CosineAnnealingScalesTheOptimizersCurrentRate()
    {
        var optimizer = new FakeOptimizer(1.0);
        var scheduler = new CosineAnnealingLR(optimizer, tMax: 10);
        scheduler.Step();
        optimizer.Rates[0] /= 2;
        scheduler.Step();

        var first = (1 + Math.Cos(Math.PI / 10)) / 2;
        var ratio = (1 + Math.Cos(Math.PI * 2 / 10)) / (1 + Math.Cos(Math.PI / 10));
        Assert.Equal(ratio * first / 2, optimizer.Rates[0], 15);
    }

    [Fact]
    public void PlateauStateRoundTripsThroughJsonMidRun()
    {
        static ReduceLROnPlateau Make(FakeOptimizer o) =>
            new(o, PlateauMode.Max, factor: 0.5, patience: 1, cooldown: 2, minLr: 1e-4);
        double Metric(int i) => i < 3 ? i : 2.0;

        var original = new FakeOptimizer(0.01, 0.001);
        var plateau = Make(original);
        for (var i = 0; i < 6; i++)
            plateau.Step(Metric(i));
        Assert.True(plateau.InCooldown || plateau.NumBadEpochs > 0, "the checkpoint should carry live counters");

        var json = JsonSerializer.Serialize(plateau.GetState());
        var resumedOptimizer = new FakeOptimizer(0.01, 0.001);
        var resumed = Make(resumedOptimizer);
        resumed.LoadState(JsonSerializer.Deserialize<SchedulerState>(json)!);

        Assert.Equal(plateau.Best, resumed.Best);
        Assert.Equal(plateau.NumBadEpochs, resumed.NumBadEpochs);
        Assert.Equal(plateau.CooldownCounter, resumed.CooldownCounter);
        Assert.Equal(plateau.LastEpoch, resumed.LastEpoch);
        for (var i = 6; i < 30; i++)
        {
            Assert.Equal(original.Rates, resumedOptimizer.Rates);
            plateau.Step(Metric(i));
            resumed.Step(Metric(i));
        }
        Assert.Equal(original.Rates, resumedOptimizer.Rates);
        Assert.Equal([1e-4, 1e-4], original.Rates);
    }

    [Fact]
    public void FreshPlateauStateSerialisesInfiniteBest()
    {
        var plateau = new ReduceLROnPlateau(new FakeOptimizer(BaseLr));
        var state = JsonSerializer.Deserialize<SchedulerState>(JsonSerializer.Serialize(plateau.GetState()))!;

        var resumed = new ReduceLROnPlateau(new FakeOptimizer(BaseLr));
        resumed.LoadState(state);
        Assert.Equal(double.PositiveInfinity, resumed.Best);
    }

    [Fact]
    public void LoadStateRejectsMismatchedOrIncompleteState()
    {
        var optimizer = new FakeOptimizer(BaseLr);
        var lambdaState = new LambdaLR(optimizer, _ => 1.0).GetState();

        Assert.Throws<ArgumentException>(() => new CosineAnnealingWarmRestarts(optimizer, t0: 2).LoadState(lambdaState));
        Assert.Throws<ArgumentException>(() => new ReduceLROnPlateau(optimizer).LoadState(lambdaState));
        Assert.Throws<ArgumentException>(() =>
            new LambdaLR(new FakeOptimizer(BaseLr, BaseLr), _ => 1.0).LoadState(lambdaState));
        Assert.Throws<ArgumentException>(() =>
            new LambdaLR(optimizer, _ => 1.0).LoadState(JsonSerializer.Deserialize<SchedulerState>("""{"LastEpoch":3}""")!));
    }

    [Fact]
    public void GroupsScaleFromTheirOwnBaseRates()
    {
        var optimizer = new FakeOptimizer(0.1, 0.004);
        var scheduler = Schedules.LinearWithWarmup(optimizer, warmupSteps: 4, totalSteps: 12);
        Assert.Equal([0.1, 0.004], scheduler.BaseLearningRates);

        for (var i = 0; i < 12; i++)
        {
            Assert.Equal(optimizer.Rates[0] / 0.1, optimizer.Rates[1] / 0.004, 12);
            scheduler.Step();
        }

        var cosine = new CosineAnnealingWarmRestarts(new FakeOptimizer(0.2, 0.02), t0: 4);
        cosine.Step();
        cosine.Step();
        Assert.Equal(0.1, cosine.LastLearningRates[0], 15);
        Assert.Equal(0.01, cosine.LastLearningRates[1], 15);
    }

    [Fact]
    public void PerGroupLambdasApplyToTheirOwnGroups()
    {
        var optimizer = new FakeOptimizer(1.0, 2.0);
        var scheduler = new LambdaLR(optimizer, [epoch => epoch, epoch => 1.0 / (epoch + 1)]);
        scheduler.Step();
        scheduler.Step();

        Assert.Equal(2, scheduler.LastEpoch);
        Assert.Equal([2.0, 2.0 / 3], optimizer.Rates);
        Assert.Throws<ArgumentException>(() => new LambdaLR(optimizer, [epoch => 1.0]));
    }

    /// <summary>A plateau reduction only fires where it lowers a rate by more than eps; the other group keeps its rate.</summary>
    [Fact]
    public void PlateauClampsEachGroupToItsFloor()
    {
        var optimizer = new FakeOptimizer(1.0, 0.01);
        var plateau = new ReduceLROnPlateau(optimizer, minLrs: [0.3, 0.01], factor: 0.5, patience: 0);
        plateau.Step(1.0);
        plateau.Step(1.0);
        Assert.Equal([0.5, 0.01], optimizer.Rates);
        plateau.Step(1.0);
        plateau.Step(1.0);
        Assert.Equal([0.3, 0.01], optimizer.Rates);
    }

    [Fact]
    public void ConstructionSetsTheEpochZeroRate()
    {
        var optimizer = new FakeOptimizer(BaseLr);
        var scheduler = Schedules.ConstantWithWarmup(optimizer, warmupSteps: 3);
        Assert.Equal(0, scheduler.LastEpoch);
        Assert.Equal([0.0], optimizer.Rates);
        Assert.Equal([0.0], scheduler.LastLearningRates);
        Assert.Equal([BaseLr], scheduler.BaseLearningRates);
    }

    [Fact]
    public void RejectsInvalidArguments()
    {
        var o = new FakeOptimizer(BaseLr);
        AssertParam("warmupSteps", () => Schedules.LinearWithWarmup(o, -1, 10));
        AssertParam("totalSteps", () => Schedules.LinearWithWarmup(o, 0, -1));
        AssertParam("warmupSteps", () => Schedules.LinearWithWarmup(o, 11, 10));
        AssertParam("warmupSteps", () => Schedules.ConstantWithWarmup(o, -1));
        AssertParam("warmupSteps", () => Schedules.CosineWithWarmup(o, 11, 10));
        AssertParam("numCycles", () => Schedules.CosineWithWarmup(o, 1, 10, double.NaN));
        AssertParam("tMax", () => new CosineAnnealingLR(o, 0));
        AssertParam("etaMin", () => new CosineAnnealingLR(o, 10, -1e-3));
        AssertParam("t0", () => new CosineAnnealingWarmRestarts(o, 0));
        AssertParam("tMult", () => new CosineAnnealingWarmRestarts(o, 10, 0));
        AssertParam("factor", () => new ReduceLROnPlateau(o, factor: 1.0));
        AssertParam("factor", () => new ReduceLROnPlateau(o, factor: -0.1));
        AssertParam("patience", () => new ReduceLROnPlateau(o, patience: -1));
        AssertParam("cooldown", () => new ReduceLROnPlateau(o, cooldown: -1));
        AssertParam("threshold", () => new ReduceLROnPlateau(o, threshold: -1e-4));
        AssertParam("minLr", () => new ReduceLROnPlateau(o, minLr: -1));
        AssertParam("eps", () => new ReduceLROnPlateau(o, eps: double.NaN));
        AssertParam("mode", () => new ReduceLROnPlateau(o, mode: (PlateauMode)7));
        Assert.Equal("minLrs", Assert.Throws<ArgumentException>(() => new ReduceLROnPlateau(o, minLrs: [0.1, 0.2])).ParamName);
        Assert.Throws<ArgumentNullException>(() => new LambdaLR(null!, _ => 1.0));
    }

    private static void AssertParam(string name, Action construct) =>
        Assert.Equal(name, Assert.Throws<ArgumentOutOfRangeException>(construct).ParamName);

    private static bool Close(double expected, double actual) =>
        Math.Abs(expected - actual) <= Math.Max(1e-15, 1e-12 * Math.Abs(expected));

    /// <summary>Stands in for an optimizer: just the per-group rates.</summary>
    private sealed class FakeOptimizer(params double[] rates) : ILearningRateTarget
    {
        public double[] Rates { get; } = rates;

        public int GroupCount => Rates.Length;

        public double GetLearningRate(int group) => Rates[group];

        public void SetLearningRate(int group, double lr) => Rates[group] = lr;
    }
}
