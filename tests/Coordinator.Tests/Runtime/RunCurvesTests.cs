using System.Globalization;
using Cluster.Coordinator.Runtime;
using SkiaSharp;

namespace Cluster.Coordinator.Tests.Runtime;

public sealed class RunCurvesTests : IDisposable
{
    private readonly string directory = Directory.CreateTempSubdirectory("cluster-curves-").FullName;

    public void Dispose() => Directory.Delete(directory, recursive: true);

    [Fact]
    public void Loss_is_the_mean_of_the_ranks_at_each_standing_step()
    {
        string[] lines =
        [
            Commit(generation: 1, rank: 0, step: 1, loss: 4),
            Commit(generation: 1, rank: 1, step: 1, loss: 2),
            Commit(generation: 1, rank: 0, step: 2, loss: 3),
            Commit(generation: 1, rank: 1, step: 2, loss: 5),
            Commit(generation: 1, rank: 0, step: 3, loss: 9), // redone by generation 2
            Commit(generation: 1, rank: 0, step: 3, loss: 99, current: false), // arrived after its group was torn down
            """{"generation":2,"rank":-1,"step":2,"epoch":0,"batch_ids":["b"],"adopted_from_checkpoint":"c","current":true}""",
            Commit(generation: 2, rank: 0, step: 3, loss: 1),
            Commit(generation: 2, rank: 1, step: 3, loss: null), // not finite, written as null
        ];

        Assert.Equal([(1L, 3.0), (3L, 1.0)], RunCurves.Losses(lines));
    }

    [Fact]
    public void Metrics_keep_each_steps_latest_finite_value()
    {
        string[] lines =
        [
            """{"generation":1,"step":4,"metrics":{"wer":0.9,"cer":0.7}}""",
            """{"generation":1,"step":8,"metrics":{"wer":0.8,"cer":null}}""",
            """{"generation":2,"step":8,"metrics":{"wer":0.6,"cer":0.4}}""",
        ];

        IReadOnlyDictionary<string, IReadOnlyList<(long Step, double Value)>> metrics = RunCurves.Metrics(lines);

        Assert.Equal(["cer", "wer"], metrics.Keys.Order(StringComparer.Ordinal));
        Assert.Equal([(4L, 0.7), (8L, 0.4)], metrics["cer"]);
        Assert.Equal([(4L, 0.9), (8L, 0.6)], metrics["wer"]);
    }

    [Fact]
    public void A_finished_run_gets_its_loss_and_evaluation_curves_as_PNG()
    {
        var random = new Random(3);
        var commits = new List<string>();
        for (int step = 1; step <= 120; step++)
        {
            for (int rank = 0; rank < 2; rank++) commits.Add(Commit(1, rank, step, 5 * Math.Exp(-step / 40.0) + random.NextDouble()));
        }

        File.WriteAllLines(Path.Combine(directory, RunCurves.CommitsFile), commits);
        File.WriteAllLines(Path.Combine(directory, RunCurves.EvaluationsFile),
            Enumerable.Range(1, 6).Select(i => $$$"""{"generation":1,"step":{{{20 * i}}},"metrics":{"loss":{{{Number(3.0 / i)}}},"si_snri":{{{Number(2.0 * i)}}}}}"""));

        IReadOnlyList<string> written = RunCurves.Write(directory, "tiny");

        Assert.Equal([Path.Combine(directory, RunCurves.LossFile), Path.Combine(directory, RunCurves.EvalFile)], written);
        AssertPicture(written[0], RunCurves.Width, RunCurves.LossHeight);
        AssertPicture(written[1], RunCurves.Width, 40 + 2 * RunCurves.PanelHeight);
    }

    [Fact]
    public void A_curve_with_no_point_is_not_written()
    {
        Assert.Empty(RunCurves.Write(directory, "empty"));

        File.WriteAllLines(Path.Combine(directory, RunCurves.CommitsFile), [Commit(1, 0, 1, 2.5)]);
        Assert.Equal([Path.Combine(directory, RunCurves.LossFile)], RunCurves.Write(directory, "one step"));
        Assert.False(File.Exists(Path.Combine(directory, RunCurves.EvalFile)));
        AssertPicture(Path.Combine(directory, RunCurves.LossFile), RunCurves.Width, RunCurves.LossHeight);
    }

    /// <summary>A PNG (decoded with SkiaSharp) of the size, with drawing on it: not blank, not one colour.</summary>
    private static void AssertPicture(string path, int width, int height)
    {
        byte[] bytes = File.ReadAllBytes(path);
        Assert.Equal([0x89, (byte)'P', (byte)'N', (byte)'G'], bytes[..4]);
        using SKBitmap bitmap = SKBitmap.Decode(bytes);
        Assert.Equal((width, height), (bitmap.Width, bitmap.Height));
        SKColor[] pixels = bitmap.Pixels;
        double inked = (double)pixels.Count(p => p != SKColors.White) / pixels.Length;
        Assert.InRange(inked, 0.01, 0.6);
        Assert.True(pixels.Distinct().Count() > 20, "the picture has hardly any colours");
    }

    private static string Commit(long generation, int rank, long step, double? loss, bool current = true) =>
        $$"""{"generation":{{generation}},"rank":{{rank}},"step":{{step}},"epoch":0,"batch_ids":["b{{step}}-{{rank}}"],"loss":{{(loss is { } l ? Number(l) : "null")}},"current":{{(current ? "true" : "false")}}}""";

    private static string Number(double value) => value.ToString("R", CultureInfo.InvariantCulture);
}
