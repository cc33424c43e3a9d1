using Cluster.Speech.Training;
using System.Diagnostics.CodeAnalysis;
using Cluster.Shared.Checkpoints;
using Cluster.Speech.Data;
using Cluster.Speech.Models.GridNet;
using Cluster.Speech.Models.Whisper;
using YamlDotNet.Core;
using YamlDotNet.RepresentationModel;

namespace Cluster.Shared.Jobs;

/// <summary>
/// Reads a job spec from YAML. Strict by design: unknown keys, wrong types (a quoted "5" is a string), values out of
/// range and settings that contradict each other are all refused, each reported with its key path, line and column,
/// and all of them at once (<see cref="JobSpecException"/>). Relative paths are resolved against the spec's folder, so
/// a job means the same files whichever directory it is started from.
/// </summary>
public static class JobSpecLoader
{
    private static readonly Dictionary<string, ManifestFormat> Formats = new(StringComparer.Ordinal)
    {
        ["common_voice"] = ManifestFormat.CommonVoice,
        ["audio_folder"] = ManifestFormat.AudioFolder,
        ["kaldi"] = ManifestFormat.Kaldi,
        ["jsonl"] = ManifestFormat.Jsonl,
    };

    private static readonly Dictionary<string, ScheduleKind> Schedules = new(StringComparer.Ordinal)
    {
        ["constant"] = ScheduleKind.Constant,
        ["linear"] = ScheduleKind.Linear,
        ["cosine_warm_restarts"] = ScheduleKind.CosineWarmRestarts,
    };

    private static readonly Dictionary<string, Precision> Precisions = new(StringComparer.Ordinal)
    {
        ["fp32"] = Precision.Float32,
        ["bf16"] = Precision.BFloat16,
        ["fp16"] = Precision.Float16,
    };

    private static readonly Dictionary<string, EvaluationMetric> Metrics = new(StringComparer.Ordinal)
    {
        ["cer"] = EvaluationMetric.Cer,
        ["wer"] = EvaluationMetric.Wer,
        ["si_snri"] = EvaluationMetric.SiSnri,
        ["loss"] = EvaluationMetric.Loss,
    };

    private static readonly Dictionary<string, MetricMode> Modes = new(StringComparer.Ordinal)
    {
        ["min"] = MetricMode.Min,
        ["max"] = MetricMode.Max,
    };

    private static readonly Dictionary<string, TFGridNetV2Config> GridNetPresets = new(StringComparer.Ordinal)
    {
        ["speech16k"] = TFGridNetV2Config.Speech16k,
        ["espnet8k"] = TFGridNetV2Config.Espnet8k,
    };

    /// <exception cref="FileNotFoundException">No such file.</exception>
    /// <exception cref="JobSpecException">The spec is malformed; every problem is listed.</exception>
    public static JobSpec Load(string path)
    {
        ArgumentException.ThrowIfNullOrEmpty(path);
        string fullPath = Path.GetFullPath(path);
        if (!File.Exists(fullPath)) throw new FileNotFoundException($"job spec not found: {fullPath}", fullPath);
        return Parse(File.ReadAllText(fullPath), fullPath, Path.GetDirectoryName(fullPath)!);
    }

    /// <param name="yaml">The spec's text.</param>
    /// <param name="source">Names the spec in error messages (its file path, usually).</param>
    /// <param name="baseDirectory">Relative paths in the spec are resolved against this folder.</param>
    /// <exception cref="JobSpecException">The spec is malformed; every problem is listed.</exception>
    public static JobSpec Parse(string yaml, string source, string baseDirectory)
    {
        ArgumentNullException.ThrowIfNull(yaml);
        ArgumentException.ThrowIfNullOrEmpty(source);
        ArgumentException.ThrowIfNullOrEmpty(baseDirectory);
        var errors = new List<JobSpecError>();
        var stream = new YamlStream();
        try
        {
            stream.Load(new StringReader(yaml));
        }
        catch (YamlException e)
        {
            // The parser's own message names the construct ("duplicate key", "mapping values are not allowed here").
            string reason = e.InnerException is { } inner ? inner.Message : e.Message;
            throw new JobSpecException(source, [new JobSpecError("", (int)e.Start.Line, (int)e.Start.Column, $"not valid YAML: {reason}")]);
        }

        if (stream.Documents.Count != 1)
            throw new JobSpecException(source, [new JobSpecError("", 1, 1, $"expected one YAML document but found {stream.Documents.Count}")]);

        JobSpec? spec = YamlSection.Root(stream.Documents[0].RootNode, errors) is { } root
            ? new Reader(root, errors, Path.GetFullPath(baseDirectory)).Job()
            : null;
        if (errors.Count > 0 || spec is null) throw new JobSpecException(source, errors);
        return spec;
    }

    private sealed class Reader(YamlSection root, List<JobSpecError> errors, string baseDirectory)
    {
        public JobSpec? Job()
        {
            string? name = root.String("name", required: true);
            long? seed = root.Integer("seed", s => s >= 0, "must not be negative");
            ModelSpec? model = Model(root.Section("model", required: true));
            DataSpec? data = Data(root.Section("data", required: true), model);
            OptimizerSpec optimizer = Optimizer(root.Section("optimizer", required: true)) ?? new OptimizerSpec();
            ScheduleSpec? schedule = Schedule(root.Section("schedule", required: true));
            BatchingSpec? batching = Batching(root.Section("batching", required: true));
            TrainingSpec training = Training(root.Section("training")) ?? new TrainingSpec();
            EvaluationSpec evaluation = Evaluation(root.Section("evaluation"), model) ?? new EvaluationSpec();
            CheckpointingSpec checkpointing = Checkpointing(root.Section("checkpointing"), schedule, evaluation);
            ClusterSpec cluster = Cluster(root.Section("cluster")) ?? new ClusterSpec();
            ObservabilitySpec observability = Observability(root.Section("observability")) ?? new ObservabilitySpec();
            root.RejectUnknownKeys();
            if (name is null || model is null || data is null || schedule is null || batching is null || errors.Count > 0) return null;
            return new JobSpec
            {
                Name = name,
                Seed = seed is long s ? (ulong)s : 42,
                Model = model,
                Data = data,
                Optimizer = optimizer,
                Schedule = schedule,
                Batching = batching,
                Training = training,
                Evaluation = evaluation,
                Checkpointing = checkpointing,
                Cluster = cluster,
                Observability = observability,
            };
        }

        private ModelSpec? Model(YamlSection? section)
        {
            if (section is null) return null;
            bool hasWhisper = section.Has("whisper");
            bool hasGridNet = section.Has("tfgridnetv2");
            WhisperModelSpec? whisper = Whisper(section.Section("whisper"));
            TFGridNetV2ModelSpec? gridNet = GridNet(section.Section("tfgridnetv2"));
            section.RejectUnknownKeys();
            if (hasWhisper == hasGridNet)
            {
                section.Error("set exactly one of whisper and tfgridnetv2");
                return null;
            }

            if (whisper is null && gridNet is null) return null;
            return new ModelSpec { Whisper = whisper, TFGridNetV2 = gridNet };
        }

        private WhisperModelSpec? Whisper(YamlSection? section)
        {
            if (section is null) return null;
            string? size = section.String("size");
            string? config = Resolve(section.String("config"));
            WhisperConfig? dims = WhisperDims(section.Section("dims"));
            string? pretrained = Resolve(section.String("pretrained"));
            string? task = section.String("task");
            string? tokenizer = Resolve(section.String("tokenizer"));
            section.RejectUnknownKeys();
            int sources = (size is null ? 0 : 1) + (config is null ? 0 : 1) + (section.Has("dims") ? 1 : 0);
            if (sources > 1) section.Error("set at most one of size, config and dims");
            else if (sources == 1 && pretrained is not null)
                section.Error("pretrained", "the checkpoint's config.json sets the model's dimensions; set pretrained alone, or size, config or dims without it");
            else if (sources == 0 && pretrained is null) section.Error("set one of size, config, dims or pretrained (whose config.json is used)");
            if (size is not null && !WhisperConfig.PresetNames.Contains(size))
            {
                section.Error("size", $"unknown Whisper size \"{size}\"; known: {string.Join(", ", WhisperConfig.PresetNames)}");
                size = null;
            }

            if (task is not null and not ("transcribe" or "translate")) section.Error("task", $"expected transcribe or translate but found \"{task}\"");
            return new WhisperModelSpec
            {
                Size = size,
                ConfigPath = config,
                Dims = size is not null ? WhisperConfig.Preset(size) : dims,
                Pretrained = pretrained,
                Tokenizer = tokenizer,
                Task = task ?? "transcribe",
            };
        }

        private static WhisperConfig? WhisperDims(YamlSection? section)
        {
            if (section is null) return null;
            static bool Positive(long v) => v > 0;
            const string MustBePositive = "must be positive";
            int? width = section.Int("d_model", Positive, MustBePositive, required: true);
            int? encoderLayers = section.Int("encoder_layers", Positive, MustBePositive, required: true);
            int? decoderLayers = section.Int("decoder_layers", Positive, MustBePositive, required: true);
            int? encoderHeads = section.Int("encoder_attention_heads", Positive, MustBePositive, required: true);
            int? decoderHeads = section.Int("decoder_attention_heads", Positive, MustBePositive, required: true);
            int? encoderFfn = section.Int("encoder_ffn_dim", Positive, MustBePositive);
            int? decoderFfn = section.Int("decoder_ffn_dim", Positive, MustBePositive);
            int? melBins = section.Int("num_mel_bins", v => v is 80 or 128, "must be 80 or 128");
            int? vocab = section.Int("vocab_size", v => v > 50364, "must hold the multilingual tokens and timestamps (over 50364)");
            int? sourcePositions = section.Int("max_source_positions", Positive, MustBePositive);
            int? targetPositions = section.Int("max_target_positions", v => v is > 0 and <= EvaluationSpec.HardMaxLength,
                $"must be between 1 and {EvaluationSpec.HardMaxLength}");
            section.RejectUnknownKeys();
            if (width is not int d || encoderLayers is null || decoderLayers is null || encoderHeads is null || decoderHeads is null) return null;
            if (d % encoderHeads != 0) section.Error("encoder_attention_heads", $"d_model {d} must be divisible by encoder_attention_heads {encoderHeads}");
            if (d % decoderHeads != 0) section.Error("decoder_attention_heads", $"d_model {d} must be divisible by decoder_attention_heads {decoderHeads}");
            WhisperConfig tiny = WhisperConfig.Preset("tiny");
            return tiny with
            {
                DModel = d,
                EncoderLayers = encoderLayers.Value,
                DecoderLayers = decoderLayers.Value,
                EncoderAttentionHeads = encoderHeads.Value,
                DecoderAttentionHeads = decoderHeads.Value,
                EncoderFfnDim = encoderFfn ?? 4 * d,
                DecoderFfnDim = decoderFfn ?? 4 * d,
                NumMelBins = melBins ?? tiny.NumMelBins,
                VocabSize = vocab ?? tiny.VocabSize,
                MaxSourcePositions = sourcePositions ?? tiny.MaxSourcePositions,
                MaxTargetPositions = targetPositions ?? tiny.MaxTargetPositions,
            };
        }

        private TFGridNetV2ModelSpec? GridNet(YamlSection? section)
        {
            if (section is null) return null;
            string? presetName = section.String("preset");
            YamlSection? overrides = section.Section("config");
            string? pretrained = Resolve(section.String("pretrained"));
            section.RejectUnknownKeys();
            TFGridNetV2Config preset = TFGridNetV2Config.Speech16k;
            if (presetName is not null && !GridNetPresets.TryGetValue(presetName, out preset!))
            {
                section.Error("preset", $"expected one of {string.Join(", ", GridNetPresets.Keys)} but found \"{presetName}\"");
                return null;
            }

            TFGridNetV2Config config = overrides is null ? preset : GridNetOverrides(overrides, preset);
            try
            {
                config.Validate();
            }
            catch (ArgumentException e)
            {
                section.Error(overrides is null ? "preset" : "config", e.Message);
                return null;
            }

            return new TFGridNetV2ModelSpec { Preset = presetName ?? "speech16k", Config = config, Pretrained = pretrained };
        }

        private static TFGridNetV2Config GridNetOverrides(YamlSection section, TFGridNetV2Config preset)
        {
            static bool Positive(long v) => v > 0;
            const string MustBePositive = "must be positive";
            var config = preset with
            {
                n_srcs = section.Int("n_srcs", Positive, MustBePositive) ?? preset.n_srcs,
                n_fft = section.Int("n_fft", Positive, MustBePositive) ?? preset.n_fft,
                stride = section.Int("stride", Positive, MustBePositive) ?? preset.stride,
                window = section.String("window") ?? preset.window,
                n_imics = section.Int("n_imics", Positive, MustBePositive) ?? preset.n_imics,
                n_layers = section.Int("n_layers", Positive, MustBePositive) ?? preset.n_layers,
                lstm_hidden_units = section.Int("lstm_hidden_units", Positive, MustBePositive) ?? preset.lstm_hidden_units,
                attn_n_head = section.Int("attn_n_head", Positive, MustBePositive) ?? preset.attn_n_head,
                attn_approx_qk_dim = section.Int("attn_approx_qk_dim", Positive, MustBePositive) ?? preset.attn_approx_qk_dim,
                emb_dim = section.Int("emb_dim", Positive, MustBePositive) ?? preset.emb_dim,
                emb_ks = section.Int("emb_ks", Positive, MustBePositive) ?? preset.emb_ks,
                emb_hs = section.Int("emb_hs", Positive, MustBePositive) ?? preset.emb_hs,
                activation = section.String("activation") ?? preset.activation,
                eps = section.Number("eps", v => v > 0, MustBePositive) ?? preset.eps,
            };
            section.RejectUnknownKeys();
            return config;
        }

        private DataSpec? Data(YamlSection? section, ModelSpec? model)
        {
            if (section is null) return null;
            IReadOnlyList<string>? train = section.Strings("train", required: true);
            IReadOnlyList<string>? eval = section.Strings("eval");
            ManifestFormat? format = section.Choice("format", Formats);
            string? language = section.String("language");
            int? sampleRate = section.Int("sample_rate", v => v is >= 8000 and <= 192000, "must be between 8000 and 192000 Hz");
            double? maxDuration = section.Number("max_duration", v => v > 0, "must be positive seconds");
            EnhancementSpec? enhancement = Enhancement(section.Section("enhancement"));
            section.RejectUnknownKeys();
            if (model?.Kind == ModelKind.Whisper)
            {
                // Whisper's front end is fixed: 16 kHz audio, 30 s windows.
                if (sampleRate is int rate && rate != 16000) section.Error("sample_rate", $"Whisper takes 16000 Hz audio, not {rate}");
                if (maxDuration is > 30) section.Error("max_duration", $"Whisper sees at most 30 s, not {maxDuration}");
                if (section.Has("enhancement")) section.Error("enhancement", "enhancement options apply to tfgridnetv2, not whisper");
                if (language is null) section.Error("language", "required for whisper: the language token of the decoder prompt (\"zh\")");
            }
            else if (model?.Kind == ModelKind.TFGridNetV2 && format is not null && enhancement is not { Noise.Count: > 0 })
            {
                section.Error("format", "pair manifests are read by extension (csv, tsv, jsonl); format applies to speech manifests mixed with enhancement.noise");
            }

            if (train is null) return null;
            return new DataSpec
            {
                Train = Resolve(train),
                Eval = eval is null ? [] : Resolve(eval),
                Format = format,
                Language = language,
                SampleRate = sampleRate ?? 16000,
                MaxDurationSeconds = maxDuration ?? 30,
                Enhancement = enhancement,
            };
        }

        private EnhancementSpec? Enhancement(YamlSection? section)
        {
            if (section is null) return null;
            double? crop = section.Number("crop_seconds", v => v > 0, "must be positive seconds");
            IReadOnlyList<string>? noise = section.Strings("noise");
            IReadOnlyList<double>? snr = section.Numbers("snr_db", v => v is >= -50 and <= 100, "must be between -50 and 100 dB", count: 2);
            section.RejectUnknownKeys();
            if (snr is [double low, double high] && low > high) section.Error("snr_db", $"expected [min, max] but {low} > {high}");
            return new EnhancementSpec
            {
                CropSeconds = crop ?? 4,
                Noise = noise is null ? [] : Resolve(noise),
                MinSnrDb = snr?[0] ?? -5,
                MaxSnrDb = snr?[1] ?? 20,
            };
        }

        private static OptimizerSpec? Optimizer(YamlSection? section)
        {
            if (section is null) return null;
            string? name = section.String("name");
            double? lr = section.Number("lr", v => v is > 0 and < 1, "must be in (0, 1)", required: true);
            IReadOnlyList<double>? betas = section.Numbers("betas", v => v is >= 0 and < 1, "must be in [0, 1)", count: 2);
            double? weightDecay = section.Number("weight_decay", v => v >= 0, "must not be negative");
            double? eps = section.Number("eps", v => v is > 0 and < 1, "must be in (0, 1)");
            section.RejectUnknownKeys();
            if (name is not null and not "adamw") section.Error("name", $"expected adamw but found \"{name}\"");
            var defaults = new OptimizerSpec();
            return new OptimizerSpec
            {
                LearningRate = lr ?? defaults.LearningRate,
                Beta1 = betas?[0] ?? defaults.Beta1,
                Beta2 = betas?[1] ?? defaults.Beta2,
                WeightDecay = weightDecay ?? defaults.WeightDecay,
                Eps = eps ?? defaults.Eps,
            };
        }

        private static ScheduleSpec? Schedule(YamlSection? section)
        {
            if (section is null) return null;
            static bool Positive(long v) => v > 0;
            const string MustBePositive = "must be positive";
            ScheduleKind? kind = section.Choice("kind", Schedules);
            int? warmup = section.Int("warmup_steps", v => v >= 0, "must not be negative");
            int? maxSteps = section.Int("max_steps", Positive, MustBePositive);
            int? epochs = section.Int("epochs", Positive, MustBePositive);
            int? t0 = section.Int("t0", Positive, MustBePositive);
            int? tMult = section.Int("t_mult", Positive, MustBePositive);
            double? minLr = section.Number("min_lr", v => v >= 0, "must not be negative");
            section.RejectUnknownKeys();
            if (section.Has("max_steps") == section.Has("epochs")) section.Error("set exactly one of max_steps and epochs");
            if (warmup is int w && maxSteps is int m && w >= m) section.Error("warmup_steps", $"warm-up of {w} steps leaves nothing of max_steps {m}");
            if (kind != ScheduleKind.CosineWarmRestarts)
            {
                foreach (string key in (string[])["t0", "t_mult", "min_lr"])
                    if (section.Has(key)) section.Error(key, "applies only to kind cosine_warm_restarts");
            }

            var defaults = new ScheduleSpec();
            return new ScheduleSpec
            {
                Kind = kind ?? ScheduleKind.Linear,
                WarmupSteps = warmup ?? 0,
                MaxSteps = maxSteps,
                Epochs = epochs,
                T0 = t0 ?? defaults.T0,
                TMult = tMult ?? defaults.TMult,
                MinLearningRate = minLr ?? 0,
            };
        }

        private static BatchingSpec? Batching(YamlSection? section)
        {
            if (section is null) return null;
            static bool Positive(long v) => v > 0;
            const string MustBePositive = "must be positive";
            int? batchSize = section.Int("batch_size", Positive, MustBePositive);
            long? maxFrames = section.Integer("max_frames", Positive, MustBePositive);
            int? maxTokens = section.Int("max_tokens", Positive, MustBePositive);
            int? accumulation = section.Int("gradient_accumulation", Positive, MustBePositive);
            int? buckets = section.Int("buckets", v => v is > 0 and <= 1000, "must be between 1 and 1000");
            IReadOnlyList<double>? boundaries = section.Numbers("bucket_boundaries", v => v > 0, "must be positive seconds");
            section.RejectUnknownKeys();
            if (section.Has("batch_size") == section.Has("max_frames")) section.Error("set exactly one of batch_size and max_frames");
            if (buckets is not null && boundaries is not null) section.Error("buckets", "set buckets or bucket_boundaries, not both");
            if (boundaries is not null && !boundaries.Zip(boundaries.Skip(1)).All(p => p.First < p.Second))
                section.Error("bucket_boundaries", "must be strictly increasing");
            return new BatchingSpec
            {
                BatchSize = batchSize,
                MaxFrames = maxFrames,
                MaxTokens = maxTokens,
                GradientAccumulation = accumulation ?? 1,
                Buckets = buckets ?? 1,
                BucketBoundaries = boundaries,
            };
        }

        private static TrainingSpec? Training(YamlSection? section)
        {
            if (section is null) return null;
            Precision? precision = section.Choice("precision", Precisions);
            Precision? fallback = section.Choice("precision_fallback", Precisions);
            double? clip = section.Number("max_grad_norm", v => v > 0, "must be positive");
            bool? checkpointing = section.Bool("gradient_checkpointing");
            section.RejectUnknownKeys();
            if (fallback is not null && fallback == (precision ?? Precision.Float32))
                section.Error("precision_fallback", "is the same as precision");
            return new TrainingSpec
            {
                Precision = precision ?? Precision.Float32,
                PrecisionFallback = fallback,
                MaxGradNorm = clip,
                GradientCheckpointing = checkpointing ?? false,
            };
        }

        private static EvaluationSpec? Evaluation(YamlSection? section, ModelSpec? model)
        {
            if (section is null) return null;
            int? every = section.Int("every_steps", v => v > 0, "must be positive");
            bool? generate = section.Bool("generate");
            int? maxLength = section.Int("generation_max_length", v => v is > 0 and <= EvaluationSpec.HardMaxLength,
                $"must be between 1 and {EvaluationSpec.HardMaxLength} (Whisper's text context)");
            int? beam = section.Int("beam_size", v => v is > 0 and <= EvaluationSpec.MaxBeamSize, $"must be between 1 and {EvaluationSpec.MaxBeamSize}");
            EvaluationMetric? metric = section.Choice("metric", Metrics);
            int? patience = section.Int("patience", v => v > 0, "must be positive");
            section.RejectUnknownKeys();
            if (model?.Kind == ModelKind.Whisper && metric == EvaluationMetric.SiSnri)
                section.Error("metric", "si_snri measures enhancement; whisper is scored by cer, wer or loss");
            if (model?.Kind == ModelKind.TFGridNetV2 && metric is EvaluationMetric.Cer or EvaluationMetric.Wer)
                section.Error("metric", "cer and wer score transcripts; tfgridnetv2 is scored by si_snri or loss");
            if (metric is EvaluationMetric.Cer or EvaluationMetric.Wer && generate == false)
                section.Error("generate", "cer and wer need generated transcripts");
            if (model?.Kind == ModelKind.TFGridNetV2)
            {
                foreach (string key in (string[])["generate", "generation_max_length", "beam_size"])
                    if (section.Has(key)) section.Error(key, "applies only to whisper");
            }

            var defaults = new EvaluationSpec();
            return new EvaluationSpec
            {
                EverySteps = every ?? defaults.EverySteps,
                Generate = model?.Kind == ModelKind.Whisper && (generate ?? true),
                GenerationMaxLength = maxLength ?? defaults.GenerationMaxLength,
                BeamSize = beam ?? 1,
                Metric = metric ?? EvaluationMetric.Loss,
                Patience = patience,
            };
        }

        private CheckpointingSpec Checkpointing(YamlSection? section, ScheduleSpec? schedule, EvaluationSpec evaluation)
        {
            EvaluationMetric evaluated = evaluation.Metric;
            var defaults = new CheckpointingSpec();
            if (section is null) return defaults with { Directory = Resolve(defaults.Directory), Metric = evaluated, Mode = Better(evaluated) };
            string? directory = section.String("directory");
            int? every = section.Int("every_steps", v => v > 0, "must be positive");
            int? keepLast = section.Int("keep_last", v => v > 0, "must be at least 1 (resuming needs the latest)");
            int? keepBest = section.Int("keep_best", v => v >= 0, "must not be negative");
            EvaluationMetric? metric = section.Choice("metric", Metrics);
            MetricMode? mode = section.Choice("mode", Modes);
            double? stopTimeout = section.Number("stop_timeout", v => v is > 0 and <= 86400, "must be positive seconds, at most 86400");
            section.RejectUnknownKeys();
            if (every is int e && schedule?.MaxSteps is int m && e > m)
                section.Error("every_steps", $"{e} is beyond max_steps {m}: no checkpoint would ever be written");
            // "Best" is judged by the evaluation of the checkpoint's own step (Hugging Face's rule for load_best_model_at_end).
            if (every is int e2 && (keepBest ?? defaults.KeepBest) > 0 && e2 % evaluation.EverySteps != 0)
                section.Error("every_steps", $"{e2} is not a multiple of evaluation.every_steps {evaluation.EverySteps}: keep_best needs checkpoints on evaluation steps");
            // Only the evaluation metric and the loss are measured, so "best" can only be judged by one of them.
            if (metric is { } judged && judged != evaluated && judged != EvaluationMetric.Loss)
                section.Error("metric", $"{Name(judged)} is not measured; evaluation.metric is {Name(evaluated)}");
            EvaluationMetric chosen = metric ?? evaluated;
            if (mode is { } m2 && m2 != Better(chosen))
                section.Error("mode", $"{Name(chosen)} is better when {(Better(chosen) == MetricMode.Min ? "lower" : "higher")}; mode {m2.ToString().ToLowerInvariant()} would keep the worst checkpoints");
            return new CheckpointingSpec
            {
                Directory = Resolve(directory ?? defaults.Directory),
                EverySteps = every ?? defaults.EverySteps,
                KeepLast = keepLast ?? defaults.KeepLast,
                KeepBest = keepBest ?? defaults.KeepBest,
                Metric = chosen,
                Mode = mode ?? Better(chosen),
                StopTimeout = stopTimeout is double seconds ? TimeSpan.FromSeconds(seconds) : defaults.StopTimeout,
            };
        }

        private static MetricMode Better(EvaluationMetric metric) => metric == EvaluationMetric.SiSnri ? MetricMode.Max : MetricMode.Min;

        private static string Name(EvaluationMetric metric) => Metrics.First(pair => pair.Value == metric).Key;

        private ClusterSpec? Cluster(YamlSection? section)
        {
            if (section is null) return null;
            int? dataNodes = section.Int("data_nodes", v => v is > 0 and <= 4096, "must be between 1 and 4096");
            int? gpuNodes = section.Int("gpu_nodes", v => v is > 0 and <= 4096, "must be between 1 and 4096");
            int? credits = section.Int("credits_per_trainer", v => v is > 0 and <= 1024, "must be between 1 and 1024");
            int? workers = section.Int("data_node_workers", v => v is > 0 and <= 1024, "must be between 1 and 1024");
            int? trainerThreads = section.Int("trainer_threads", v => v is > 0 and <= 1024, "must be between 1 and 1024");
            double? cpuCache = section.Number("cpu_memory_cache_gb", v => v is >= 0 and <= 1 << 20, "must be between 0 and 1048576 (GiB)");
            string? secretFile = Resolve(section.String("secret_file"));
            string? secretEnv = section.String("secret_env");
            section.RejectUnknownKeys();
            if (secretFile is not null && secretEnv is not null) section.Error("secret_file", "set secret_file or secret_env, not both");
            var defaults = new ClusterSpec();
            return new ClusterSpec
            {
                DataNodes = dataNodes ?? defaults.DataNodes,
                GpuNodes = gpuNodes ?? defaults.GpuNodes,
                CreditsPerTrainer = credits ?? defaults.CreditsPerTrainer,
                DataNodeWorkers = workers,
                CpuMemoryCacheGiB = cpuCache,
                TrainerThreads = trainerThreads,
                SecretFile = secretFile,
                SecretEnv = secretFile is null ? secretEnv ?? defaults.SecretEnv : null,
            };
        }

        private ObservabilitySpec? Observability(YamlSection? section)
        {
            if (section is null) return null;
            string? endpoint = section.String("otlp_endpoint");
            double? sampleRatio = section.Number("trace_sample_ratio", v => v is >= 0 and <= 1, "must be between 0 and 1");
            YamlSection? peak = section.Section("peak_flops");
            double? peakCpu = peak?.Number("cpu", v => v > 0 && double.IsFinite(v), "must be a positive FLOP/s rate");
            double? peakCuda = peak?.Number("cuda", v => v > 0 && double.IsFinite(v), "must be a positive FLOP/s rate");
            peak?.RejectUnknownKeys();
            section.RejectUnknownKeys();
            Uri? otlp = null;
            if (endpoint is not null && !(Uri.TryCreate(endpoint, UriKind.Absolute, out otlp) && otlp.Scheme is "http" or "https"))
            {
                section.Error("otlp_endpoint", $"'{endpoint}' is not an http:// or https:// address (an OTLP collector, e.g. http://127.0.0.1:4317)");
                otlp = null;
            }
            return new ObservabilitySpec
            {
                OtlpEndpoint = otlp,
                TraceSampleRatio = sampleRatio ?? new ObservabilitySpec().TraceSampleRatio,
                PeakFlopsCpu = peakCpu,
                PeakFlopsCuda = peakCuda,
            };
        }

        [return: NotNullIfNotNull(nameof(path))]
        private string? Resolve(string? path) => path is null ? null : Path.GetFullPath(path, baseDirectory);

        private string[] Resolve(IReadOnlyList<string> paths) => [.. paths.Select(p => Path.GetFullPath(p, baseDirectory))];
    }
}
