using System.Text;
using Cluster.Shared.Checkpoints;
using Cluster.Shared.Planning;
using Cluster.Torch.Optim;

namespace Cluster.Shared.Tests.Checkpoints;

public class TrainerStateTests
{
    private static TrainerState Sample() => new(
        Step: 1200,
        Epoch: 2,
        Ledger: new LedgerCursor(2, 1199, 500, [new CommittedRange(0, 180), new CommittedRange(182, 3)]),
        Scheduler: new SchedulerState(1200, [5e-4], [3.1e-4], new Dictionary<string, double> { ["T_cur"] = 200, ["best"] = double.NegativeInfinity }),
        Seed: 1234,
        RngStates: new Dictionary<string, string> { ["cpu"] = Convert.ToBase64String([1, 2, 3, 4]) },
        MetricHistory: [new MetricRecord(1000, "si_snri", 11.5), new MetricRecord(1000, "loss", -11.2)],
        EvaluationsWithoutImprovement: 1,
        Config: "name: tfgridnetv2-16k\n");

    [Fact]
    public void Round_trips_through_json_with_snake_case_keys()
    {
        TrainerState state = Sample();

        byte[] json = state.ToJson();
        TrainerState back = TrainerState.Parse(json, "trainer_state.json");

        Assert.Equal(state, back);
        string text = Encoding.UTF8.GetString(json);
        Assert.Contains("\"metric_history\"", text);
        Assert.Contains("\"evaluations_without_improvement\": 1", text);
        Assert.Contains("-Infinity", text);
    }

    [Theory]
    [InlineData("\"seed\": 1234,", "", "seed")]
    [InlineData("\"epoch\": 2,", "\"epoch\": 2, \"surprise\": 1,", "surprise")]
    [InlineData("\"step\": 1200,", "\"step\": -5,", "negative")]
    [InlineData("\"AQIDBA==\"", "\"not base64!\"", "not base64")]
    public void Malformed_states_are_refused_with_the_reason(string find, string replace, string reason)
    {
        string json = Encoding.UTF8.GetString(Sample().ToJson());
        Assert.Contains(find, json);

        var error = Assert.Throws<InvalidDataException>(() => TrainerState.Parse(Encoding.UTF8.GetBytes(json.Replace(find, replace)), "ckpt/trainer_state.json"));

        Assert.Contains("ckpt/trainer_state.json", error.Message);
        Assert.Contains(reason, error.Message);
    }

    [Fact]
    public void A_ledger_cursor_of_another_epoch_is_refused()
    {
        byte[] json = (Sample() with { Epoch = 3 }).ToJson();

        var error = Assert.Throws<InvalidDataException>(() => TrainerState.Parse(json, "trainer_state.json"));

        Assert.Contains("the ledger cursor is for epoch 2, the state for epoch 3", error.Message);
    }
}
