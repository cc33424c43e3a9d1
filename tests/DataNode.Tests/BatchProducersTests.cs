using Cluster.DataNode.Batches;
using Cluster.Shared.Jobs;
using Cluster.Speech.Audio;
using Cluster.Speech.Batching;
using Cluster.Speech.Data;
using Cluster.Speech.Text;
using Cluster.Torch;

namespace Cluster.DataNode.Tests;

public sealed class BatchProducersTests
{
    [Fact]
    public void Sixteen_bit_training_gets_float16_features_of_the_same_values()
    {
        using var corpus = new TinyCorpus(precision: "bf16");
        var producer = BatchProducers.FromJob(corpus.Job, "data-3");

        var data = producer.Build(0, "e0-b2", TinyCorpus.Batches["e0-b2"]);

        var features = WireBatches.Parse(data.Tensors.Single(t => t.Name == Cluster.Shared.Wire.BatchTensorNames.InputFeatures));
        Assert.Equal(DType.Float16, features.DType);
        var manifest = ManifestReader.Read(Path.Combine(corpus.Directory, "train.jsonl"));
        var expected = new WhisperBatchBuilder(WhisperTokenizer.Bundled(51865), new WhisperBatchOptions { Language = "en", Frames = TinyCorpus.Frames })
            .Build("e0-b2", [.. TinyCorpus.Batches["e0-b2"].Select(id => manifest.Utterances.Single(u => u.Id == id))]);
        Assert.Equal(expected.Features.Select(f => (float)(Half)f), features.ToFloats());
    }

    [Fact]
    public void An_item_missing_from_the_manifests_is_skipped_with_the_reason()
    {
        using var corpus = new TinyCorpus();
        var producer = BatchProducers.FromJob(corpus.Job, "data-3");

        var data = producer.Build(0, "e0-b9", ["u1", "nobody"]);

        Assert.Equal(1, data.Examples);
        var skipped = Assert.Single(data.Skipped);
        Assert.Equal(("nobody", "not in the job's training manifests"), (skipped.Id, skipped.Reason));
    }

    [Fact]
    public void A_batch_of_only_unusable_items_comes_without_tensors()
    {
        using var corpus = new TinyCorpus();
        var producer = BatchProducers.FromJob(corpus.Job, "data-3");

        var data = producer.Build(0, "e0-b9", [TinyCorpus.BrokenId]);

        Assert.Equal(0, data.Examples);
        Assert.Empty(data.Tensors);
        Assert.Equal(TinyCorpus.BrokenId, Assert.Single(data.Skipped).Id);
    }

    [Fact]
    public void An_id_in_two_training_manifests_is_refused_naming_both()
    {
        using var corpus = new TinyCorpus();
        string first = Path.Combine(corpus.Directory, "train.jsonl"), second = Path.Combine(corpus.Directory, "again.jsonl");
        File.Copy(first, second);
        var job = corpus.Job with { Data = corpus.Job.Data with { Train = [first, second] } };

        var error = Assert.Throws<InvalidDataException>(() => BatchProducers.FromJob(job, "data-3"));

        Assert.Contains("'u0'", error.Message);
        Assert.Contains("train.jsonl", error.Message);
        Assert.Contains("again.jsonl", error.Message);
    }

    [Fact]
    public void Clean_speech_mixed_with_noise_gives_the_crops_and_mixtures_the_enhancement_builder_makes()
    {
        using var corpus = new TinyCorpus();
        var noise = new float[16000];
        var random = new Random(7);
        for (int i = 0; i < noise.Length; i++) noise[i] = (float)(random.NextDouble() - 0.5) * 0.2f;
        string noisePath = Path.Combine(corpus.Directory, "noise.wav");
        AudioFile.WriteWav(noisePath, noise, 16000, format: WavSampleFormat.Float32);
        string yaml = $"""
            name: tiny-enhancement
            seed: 5
            model:
              tfgridnetv2:
                preset: speech16k
            data:
              format: jsonl
              train: train.jsonl
              enhancement:
                crop_seconds: 0.25
                noise: noise.wav
                snr_db: [0, 10]
            optimizer:
              lr: 1.0e-3
            schedule:
              max_steps: 10
            batching:
              batch_size: 2
            """;
        var job = JobSpecLoader.Parse(yaml, "enhancement test", corpus.Directory);
        var producer = BatchProducers.FromJob(job, "data-3");

        var data = producer.Build(2, "e2-b0", ["u4", TinyCorpus.BrokenId, "u7"]);

        var manifest = ManifestReader.Read(Path.Combine(corpus.Directory, "train.jsonl"));
        var pairs = new[] { "u4", TinyCorpus.BrokenId, "u7" }.Select(id => manifest.Utterances.Single(u => u.Id == id)).Select(u => new EnhancementPair(u.Id, u.AudioPath, u.AudioPath)).ToList();
        var expected = new EnhancementBatchBuilder(new EnhancementBatchOptions { CropSamples = 4000, Seed = 5, Mixer = new NoiseMixer(0, 10), Noises = [noise] })
            .Build("e2-b0", 2, pairs);
        Assert.Equal(2, data.Examples);
        Assert.Equal(TinyCorpus.BrokenId, Assert.Single(data.Skipped).Id);
        var tensors = data.Tensors.Select(WireBatches.Parse).ToDictionary(t => t.Name);
        Assert.Equal([2, 4000], tensors["noisy"].Shape);
        Assert.Equal(expected.Noisy, tensors["noisy"].ToFloats());
        Assert.Equal(expected.Clean, tensors["clean"].ToFloats());
        Assert.NotEqual(tensors["noisy"].ToFloats(), tensors["clean"].ToFloats());
    }

    [Fact]
    public void Noisy_clean_pairs_give_aligned_crops_of_both_recordings()
    {
        using var corpus = new TinyCorpus();
        string wav = Path.Combine(corpus.Directory, "wav");
        File.WriteAllText(Path.Combine(corpus.Directory, "pairs.csv"), "id,noisy,clean\np1,wav/u3.wav,wav/u5.wav\np2,wav/u6.wav,wav/u6.wav\n");
        string yaml = """
            name: tiny-pairs
            seed: 9
            model:
              tfgridnetv2:
                preset: speech16k
            data:
              train: pairs.csv
              enhancement:
                crop_seconds: 0.25
            optimizer:
              lr: 1.0e-3
            schedule:
              max_steps: 10
            batching:
              batch_size: 2
            """;
        var producer = BatchProducers.FromJob(JobSpecLoader.Parse(yaml, "pairs test", corpus.Directory), "data-3");

        var data = producer.Build(0, "e0-b0", ["p1", "p2"]);

        // p1 pairs clips of different lengths, which cannot be aligned; p2 is a clip paired with itself.
        Assert.Equal(1, data.Examples);
        var skipped = Assert.Single(data.Skipped);
        Assert.Equal("p1", skipped.Id);
        Assert.Contains("not aligned", skipped.Reason);
        var tensors = data.Tensors.Select(WireBatches.Parse).ToDictionary(t => t.Name);
        Assert.Equal([1, 4000], tensors["noisy"].Shape);
        Assert.Equal(tensors["clean"].ToFloats(), tensors["noisy"].ToFloats());
        var expected = new EnhancementBatchBuilder(new EnhancementBatchOptions { CropSamples = 4000, Seed = 9 })
            .Build("e0-b0", 0, [
                new EnhancementPair("p1", Path.Combine(wav, "u3.wav"), Path.Combine(wav, "u5.wav")),
                new EnhancementPair("p2", Path.Combine(wav, "u6.wav"), Path.Combine(wav, "u6.wav"))]);
        Assert.Equal(expected.Noisy, tensors["noisy"].ToFloats());
    }
}
