using Cluster.Coordinator.Demo;
using Cluster.Coordinator.Runtime;

namespace Cluster.Coordinator.Tests.Cli;

public class WhisperDemoTests
{
    [Theory]
    [InlineData(600, 100)]
    [InlineData(300, 50)]
    [InlineData(1200, 200)]
    [InlineData(10, 10)]
    [InlineData(97, 97)]
    [InlineData(800, 160)]
    public void Evaluation_falls_on_a_divisor_of_the_steps_so_the_last_step_is_evaluated(int steps, int every)
    {
        Assert.Equal(every, WhisperDemo.EvaluationEvery(steps));
        Assert.Equal(0, steps % WhisperDemo.EvaluationEvery(steps));
    }

    [Fact]
    public void The_last_line_says_whether_the_final_held_out_CER_is_below_the_target()
    {
        JobStatus Finished(double cer) => new()
        {
            Job = "demo", Phase = "finished", Step = 600, EvaluationStep = 600,
            Evaluation = new Dictionary<string, double> { ["cer"] = cer, ["wer"] = cer },
        };
        string learned = WhisperDemo.Verdict(Finished(0.031), 600, TimeSpan.FromMinutes(4.2), "logs");
        Assert.Equal("demo: held-out CER 3.1% at step 600, after 600 steps in 4.2 min: below 15%, the model transcribes speech it never trained on", learned);
        string notYet = WhisperDemo.Verdict(Finished(0.40), 600, TimeSpan.FromMinutes(4.2), "logs");
        Assert.Contains("held-out CER 40.0% at step 600", notYet);
        Assert.Contains("not below 15% yet; train longer (./demo.sh --steps 1200)", notYet);
    }

    [Fact]
    public void A_failed_or_unevaluated_run_says_so_instead_of_a_CER()
    {
        var failed = new JobStatus { Job = "demo", Phase = "failed", Failed = true, Step = 12 };
        Assert.Equal("demo: the job failed after 12 steps in 0.5 min; the logs in /x/logs say why", WhisperDemo.Verdict(failed, 600, TimeSpan.FromSeconds(30), "/x/logs"));
        var unevaluated = new JobStatus { Job = "demo", Phase = "finished", Step = 600 };
        Assert.StartsWith("demo: no held-out evaluation", WhisperDemo.Verdict(unevaluated, 600, TimeSpan.FromMinutes(4), "logs"));
    }
}
