using Cluster.Speech.Training;
using Cluster.Shared.Checkpoints;
using Cluster.Shared.Jobs;
using Cluster.Speech.Data;

namespace Cluster.Shared.Tests.Jobs;

public class ExampleJobTests
{
    [Fact]
    public void Whisper_zh_TW_example_loads_as_the_Hugging_Face_recipe()
    {
        JobSpec job = JobSpecLoader.Load(ExampleJobs.PathOf("whisper-finetune-zh-tw.yaml"));

        Assert.Equal(ModelKind.Whisper, job.Model.Kind);
        Assert.Equal("/models/whisper-small", job.Model.Whisper!.Pretrained);
        Assert.Null(job.Model.Whisper.Dims);
        Assert.Equal(ManifestFormat.CommonVoice, job.Data.Format);
        Assert.Equal(["/data/common_voice/zh-TW/train.tsv", "/data/common_voice/zh-TW/dev.tsv"], job.Data.Train);
        Assert.Equal(["/data/common_voice/zh-TW/test.tsv"], job.Data.Eval);
        Assert.Equal("zh", job.Data.Language);
        Assert.Equal(16, job.Batching.BatchSize);
        Assert.Equal(1e-5, job.Optimizer.LearningRate);
        Assert.Equal(0.0, job.Optimizer.WeightDecay);
        Assert.Equal(ScheduleKind.Linear, job.Schedule.Kind);
        Assert.Equal(500, job.Schedule.WarmupSteps);
        Assert.Equal(5000, job.Schedule.MaxSteps);
        Assert.Equal(Precision.BFloat16, job.Training.Precision);
        Assert.Equal(Precision.Float16, job.Training.PrecisionFallback);
        Assert.True(job.Training.GradientCheckpointing);
        Assert.True(job.Evaluation.Generate);
        Assert.Equal(225, job.Evaluation.GenerationMaxLength);
        Assert.Equal(EvaluationMetric.Cer, job.Evaluation.Metric);
        Assert.Equal(EvaluationMetric.Cer, job.Checkpointing.Metric);
        Assert.Equal(MetricMode.Min, job.Checkpointing.Mode);
        Assert.Equal(1, job.Checkpointing.KeepBest);

        var bucketer = new DurationBucketer(job.Batching.ToBucketingOptions(framesPerSecond: 100));
        Assert.Equal((16, 8), (bucketer.Options.BatchSize, bucketer.Options.BucketCount));
    }

    [Fact]
    public void TF_GridNetV2_example_loads_with_restarts_clipping_and_early_stopping()
    {
        JobSpec job = JobSpecLoader.Load(ExampleJobs.PathOf("tfgridnetv2.yaml"));

        Assert.Equal(ModelKind.TFGridNetV2, job.Model.Kind);
        Assert.Equal(1, job.Model.TFGridNetV2!.Config.n_srcs);
        Assert.Equal(512, job.Model.TFGridNetV2.Config.n_fft);
        Assert.Equal(32, job.Batching.BatchSize);
        Assert.Equal(4, job.Batching.GradientAccumulation);
        Assert.Equal(5e-4, job.Optimizer.LearningRate);
        Assert.Equal(ScheduleKind.CosineWarmRestarts, job.Schedule.Kind);
        Assert.Equal(10000, job.Schedule.T0);
        Assert.Equal(2, job.Schedule.TMult);
        Assert.Equal(0.5, job.Training.MaxGradNorm);
        Assert.Equal(Precision.BFloat16, job.Training.Precision);
        Assert.False(job.Evaluation.Generate);
        Assert.Equal(EvaluationMetric.SiSnri, job.Evaluation.Metric);
        Assert.Equal(10, job.Evaluation.Patience);
        Assert.Equal(5, job.Checkpointing.KeepBest);
        Assert.Equal(MetricMode.Max, job.Checkpointing.Mode);
        Assert.Equal(["/data/enhancement/noise.jsonl"], job.Data.Enhancement!.Noise);
        Assert.Equal(-5, job.Data.Enhancement.MinSnrDb);
        Assert.Equal(20, job.Data.Enhancement.MaxSnrDb);
        Assert.Equal("/var/run/secrets/cluster/secret", job.Cluster.SecretFile);
        Assert.Null(job.Cluster.SecretEnv);
    }
}
