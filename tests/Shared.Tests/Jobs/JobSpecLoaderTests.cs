using Cluster.Speech.Training;
using Cluster.Shared.Jobs;

namespace Cluster.Shared.Tests.Jobs;

public class JobSpecLoaderTests
{
    // The smallest spec that runs; tests change one thing at a time. Line numbers below refer to this text.
    private const string Minimal = """
        name: tiny
        model:
          whisper:
            size: tiny
        data:
          train: train.jsonl
          language: zh
        optimizer:
          lr: 1.0e-4
        schedule:
          max_steps: 100
        batching:
          batch_size: 8
        """;

    private const string Source = "/jobs/test.yaml";

    private static JobSpec Parse(string yaml) => JobSpecLoader.Parse(yaml, Source, "/work/job");

    private static JobSpecException Refused(string yaml) => Assert.Throws<JobSpecException>(() => Parse(yaml));

    [Fact]
    public void Minimal_spec_takes_defaults_and_resolves_paths_against_the_spec_folder()
    {
        JobSpec job = Parse(Minimal);

        Assert.Equal("tiny", job.Name);
        Assert.Equal(384, job.Model.Whisper!.Dims!.DModel);
        Assert.Equal(["/work/job/train.jsonl"], job.Data.Train);
        Assert.Empty(job.Data.Eval);
        Assert.Equal(1e-4, job.Optimizer.LearningRate);
        Assert.Equal(0.9, job.Optimizer.Beta1);
        Assert.Equal(Precision.Float32, job.Training.Precision);
        Assert.Equal(1, job.Batching.GradientAccumulation);
        Assert.Equal("/work/job/checkpoints", job.Checkpointing.Directory);
        Assert.Equal(EvaluationMetric.Loss, job.Checkpointing.Metric);
        Assert.Equal(42UL, job.Seed);
    }

    [Fact]
    public void Data_node_workers_are_the_nodes_default_unless_set()
    {
        Assert.Null(Parse(Minimal).Cluster.DataNodeWorkers);
        Assert.Equal(1, Parse(Minimal + "\ncluster:\n  data_node_workers: 1").Cluster.DataNodeWorkers);
    }

    [Fact]
    public void Cpu_memory_cache_is_automatic_unless_set()
    {
        Assert.Null(Parse(Minimal).Cluster.CpuMemoryCacheGiB);
        Assert.Equal(0.5, Parse(Minimal + "\ncluster:\n  cpu_memory_cache_gb: 0.5").Cluster.CpuMemoryCacheGiB);
        Assert.Equal(0, Parse(Minimal + "\ncluster:\n  cpu_memory_cache_gb: 0").Cluster.CpuMemoryCacheGiB);
    }

    [Fact]
    public void Trainer_threads_are_libtorchs_default_unless_set()
    {
        Assert.Null(Parse(Minimal).Cluster.TrainerThreads);
        Assert.Equal(2, Parse(Minimal + "\ncluster:\n  trainer_threads: 2").Cluster.TrainerThreads);
    }

    [Fact]
    public void Wrong_type_names_file_path_value_line_and_column()
    {
        var error = Refused(Minimal.Replace("lr: 1.0e-4", "lr: fast"));

        JobSpecError only = Assert.Single(error.Errors);
        Assert.Equal("optimizer.lr", only.Path);
        Assert.Equal((9, 7), (only.Line, only.Column));
        Assert.Equal("/jobs/test.yaml: optimizer.lr: expected a number but found \"fast\" (line 9, col 7)", error.Message);
    }

    [Fact]
    public void Quoted_number_is_a_string_not_a_number()
    {
        var error = Refused(Minimal.Replace("batch_size: 8", "batch_size: \"8\""));

        Assert.Contains("batching.batch_size: expected an integer but found the string \"8\"", error.Message);
    }

    [Fact]
    public void Unknown_key_is_refused_at_its_own_position_with_the_keys_that_exist()
    {
        var error = Refused(Minimal.Replace("  lr: 1.0e-4", "  lr: 1.0e-4\n  learning_rate: 3"));

        JobSpecError only = Assert.Single(error.Errors);
        Assert.Equal("optimizer.learning_rate", only.Path);
        Assert.Equal((10, 3), (only.Line, only.Column));
        Assert.Contains("unknown key", only.Reason);
        Assert.Contains("lr", only.Reason);
    }

    [Fact]
    public void Missing_required_keys_are_all_reported()
    {
        var error = Refused(Minimal.Replace("  lr: 1.0e-4\n", "  eps: 1.0e-8\n").Replace("name: tiny\n", ""));

        Assert.Contains(error.Errors, e => e.Path == "name" && e.Reason.Contains("required"));
        Assert.Contains(error.Errors, e => e.Path == "optimizer.lr" && e.Reason.Contains("required"));
        Assert.Equal(2, error.Errors.Count);
    }

    [Theory]
    [InlineData("lr: 1.0e-4", "lr: -1", "optimizer.lr", "must be in (0, 1), not -1")]
    [InlineData("batch_size: 8", "batch_size: 0", "batching.batch_size", "must be positive, not 0")]
    [InlineData("max_steps: 100", "max_steps: 100\n  warmup_steps: 100", "schedule.warmup_steps", "leaves nothing")]
    [InlineData("size: tiny", "size: gigantic", "model.whisper.size", "unknown Whisper size \"gigantic\"")]
    [InlineData("size: tiny", "size: tiny\n    pretrained: /models/whisper-small", "model.whisper.pretrained", "the checkpoint's config.json sets the model's dimensions")]
    [InlineData("batch_size: 8", "batch_size: 8\n  max_frames: 3000", "batching", "exactly one of batch_size and max_frames")]
    [InlineData("batch_size: 8", "batch_size: 8\ncluster:\n  data_node_workers: 0", "cluster.data_node_workers", "must be between 1 and 1024")]
    [InlineData("batch_size: 8", "batch_size: 8\ncluster:\n  trainer_threads: 0", "cluster.trainer_threads", "must be between 1 and 1024")]
    [InlineData("batch_size: 8", "batch_size: 8\ncluster:\n  cpu_memory_cache_gb: -1", "cluster.cpu_memory_cache_gb", "must be between 0 and 1048576 (GiB)")]
    public void Out_of_range_and_contradictory_values_are_refused(string find, string replace, string path, string reason)
    {
        var error = Refused(Minimal.Replace(find, replace));

        Assert.Contains(error.Errors, e => e.Path == path && e.Reason.Contains(reason, StringComparison.Ordinal));
    }

    [Fact]
    public void Generation_length_beyond_whispers_text_context_is_refused()
    {
        var error = Refused(Minimal + "\nevaluation:\n  generation_max_length: 449\n");

        JobSpecError only = Assert.Single(error.Errors);
        Assert.Equal("evaluation.generation_max_length", only.Path);
        Assert.Contains("448", only.Reason);
    }

    [Fact]
    public void Metric_that_does_not_fit_the_model_is_refused()
    {
        var error = Refused(Minimal + "\nevaluation:\n  metric: si_snri\n");

        Assert.Contains(error.Errors, e => e.Path == "evaluation.metric" && e.Reason.Contains("whisper"));
    }

    [Fact]
    public void Best_checkpoint_mode_against_the_metric_is_refused()
    {
        var error = Refused(Minimal + "\nevaluation:\n  metric: cer\ncheckpointing:\n  mode: max\n");

        Assert.Contains(error.Errors, e => e.Path == "checkpointing.mode" && e.Reason.Contains("worst"));
    }

    [Fact]
    public void Keeping_the_best_needs_checkpoints_on_evaluation_steps()
    {
        string spec = Minimal.Replace("max_steps: 100", "max_steps: 5000") + "\nevaluation:\n  every_steps: 300\ncheckpointing:\n  every_steps: 1000\n";

        var error = Refused(spec);
        Assert.Contains(error.Errors, e => e.Path == "checkpointing.every_steps" && e.Reason.Contains("not a multiple of evaluation.every_steps 300"));

        Assert.Equal(0, Parse(spec + "  keep_best: 0\n").Checkpointing.KeepBest);
    }

    [Fact]
    public void The_stop_timeout_is_seconds_two_minutes_unless_set_and_must_be_positive()
    {
        Assert.Equal(TimeSpan.FromMinutes(2), Parse(Minimal).Checkpointing.StopTimeout);
        Assert.Equal(TimeSpan.FromSeconds(7.5), Parse(Minimal + "\ncheckpointing:\n  stop_timeout: 7.5\n").Checkpointing.StopTimeout);

        var error = Refused(Minimal + "\ncheckpointing:\n  stop_timeout: 0\n");
        Assert.Contains(error.Errors, e => e.Path == "checkpointing.stop_timeout" && e.Reason.Contains("must be positive seconds"));
    }

    [Fact]
    public void Whisper_refuses_audio_other_than_16_kHz()
    {
        var error = Refused(Minimal.Replace("language: zh", "language: zh\n  sample_rate: 8000"));

        Assert.Contains(error.Errors, e => e.Path == "data.sample_rate" && e.Reason.Contains("16000"));
    }

    [Fact]
    public void Both_models_at_once_is_refused()
    {
        var error = Refused(Minimal.Replace("    size: tiny", "    size: tiny\n  tfgridnetv2:\n    preset: speech16k"));

        Assert.Contains(error.Errors, e => e.Path == "model" && e.Reason.Contains("exactly one"));
    }

    [Fact]
    public void Inline_whisper_dims_build_the_config_and_check_heads()
    {
        string dims = "    dims:\n      d_model: 64\n      encoder_layers: 2\n      decoder_layers: 2\n      encoder_attention_heads: 4\n      decoder_attention_heads: 4";
        JobSpec job = Parse(Minimal.Replace("    size: tiny", dims));
        Assert.Equal(64, job.Model.Whisper!.Dims!.DModel);
        Assert.Equal(256, job.Model.Whisper.Dims.EncoderFfnDim);

        var error = Refused(Minimal.Replace("    size: tiny", dims.Replace("decoder_attention_heads: 4", "decoder_attention_heads: 5")));
        Assert.Contains(error.Errors, e => e.Path == "model.whisper.dims.decoder_attention_heads" && e.Reason.Contains("divisible"));
    }

    [Fact]
    public void TF_GridNetV2_overrides_are_validated_by_the_model_config()
    {
        string spec = Minimal
            .Replace("  whisper:\n    size: tiny", "  tfgridnetv2:\n    preset: speech16k\n    config:\n      n_fft: 511")
            .Replace("  language: zh\n", "");

        var error = Refused(spec);

        Assert.Contains(error.Errors, e => e.Path == "model.tfgridnetv2.config" && e.Reason.Contains("n_fft must be even"));
    }

    [Fact]
    public void List_element_errors_name_the_index()
    {
        var error = Refused(Minimal.Replace("lr: 1.0e-4", "lr: 1.0e-4\n  betas: [0.9, high]"));

        JobSpecError only = Assert.Single(error.Errors);
        Assert.Equal("optimizer.betas[1]", only.Path);
        Assert.Equal((10, 16), (only.Line, only.Column));
    }

    [Fact]
    public void Broken_yaml_and_duplicate_keys_are_reported_with_position()
    {
        var broken = Refused("name: a\nmodel: [unclosed\n");
        Assert.Contains("not valid YAML", broken.Message);
        Assert.StartsWith(Source, broken.Message);

        var duplicate = Refused(Minimal + "\nname: again\n");
        JobSpecError only = Assert.Single(duplicate.Errors);
        Assert.Equal(14, only.Line);
    }

    [Fact]
    public void Errors_from_several_sections_are_collected_together()
    {
        var error = Refused(Minimal.Replace("lr: 1.0e-4", "lr: fast").Replace("batch_size: 8", "batch_size: -3") + "\nextra: 1\n");

        Assert.Equal(["batching.batch_size", "extra", "optimizer.lr"], error.Errors.Select(e => e.Path).Order());
        Assert.Contains("3 problems", error.Message);
    }

    [Fact]
    public void An_explicit_null_is_the_same_as_leaving_the_key_out()
    {
        JobSpec job = Parse(Minimal.Replace("  language: zh", "  language: zh\n  eval: ~\n  sample_rate:"));

        Assert.Empty(job.Data.Eval);
        Assert.Equal(16000, job.Data.SampleRate);
    }

    [Fact]
    public void Missing_file_is_named()
    {
        var error = Assert.Throws<FileNotFoundException>(() => JobSpecLoader.Load("/nonexistent/job.yaml"));
        Assert.Contains("/nonexistent/job.yaml", error.Message);
    }
}
