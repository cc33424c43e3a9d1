using System.Text.Json;
using Cluster.Speech.Tests.Text;
using Cluster.Torch;
using Cluster.Torch.Modules;
using Cluster.Torch.Safetensors;
using static Cluster.Torch.torch;
using WhisperModel = Cluster.Speech.Models.Whisper.Whisper;

namespace Cluster.Speech.Tests.Models.Whisper;

/// <summary>Hugging Face checkpoint directories: loading the golden files as they are, saving, shards, and refusing pickles.</summary>
public sealed class WhisperCheckpointTests
{
    [Fact]
    public void The_golden_files_load_from_a_checkpoint_directory_without_renaming()
    {
        using var directory = new TempDirectory();
        TinyWhisper.CopyAsCheckpoint(directory.Path);

        using var model = WhisperModel.FromPretrained(directory.Path).eval();

        AssertGoldenLogits(model);
    }

    [Fact]
    public void Saved_checkpoints_load_back_to_identical_outputs_without_proj_out()
    {
        using var directory = new TempDirectory();
        using var scope = NewDisposeScope();
        using var original = TinyWhisper.Load();
        original.SavePretrained(directory.Path);

        using var reloaded = WhisperModel.FromPretrained(directory.Path).eval();

        Assert.Equal(original.Config, reloaded.Config);
        var io = TinyWhisper.Io();
        using (no_grad())
            Assert.Equal(0, TinyWhisper.MaxAbsDifference(original.forward((io["mel"], io["tokens"])), reloaded.forward((io["mel"], io["tokens"]))));
        using var file = SafetensorsFile.Open(Path.Combine(directory.Path, "model.safetensors"));
        Assert.DoesNotContain(file.Entries, e => e.Name == "proj_out.weight");
        Assert.Contains(file.Entries, e => e.Name == "model.encoder.embed_positions.weight");
        Assert.Equal("pt", file.Metadata["format"]);
        Assert.Equal(Directory.GetFiles(directory.Path).Select(Path.GetFileName).Order(), ["config.json", "model.safetensors"]);
    }

    [Fact]
    public void A_two_shard_checkpoint_with_an_index_loads_like_the_single_file()
    {
        using var directory = new TempDirectory();
        using var scope = NewDisposeScope();
        File.Copy(TinyWhisper.Fixture("config.json"), directory.File("config.json"));
        var weights = load_safetensors(TinyWhisper.Fixture("model.safetensors"));
        var names = weights.Keys.ToList();
        var map = new Dictionary<string, string>();
        for (int shard = 0; shard < 2; shard++)
        {
            string file = $"model-0000{shard + 1}-of-00002.safetensors";
            var part = names.Where((_, i) => i % 2 == shard).ToDictionary(n => n, n => weights[n]);
            save_safetensors(part, directory.File(file), new Dictionary<string, string> { ["format"] = "pt" });
            foreach (var name in part.Keys) map[name] = file;
        }
        File.WriteAllText(directory.File("model.safetensors.index.json"),
            JsonSerializer.Serialize(new { metadata = new { total_size = 0 }, weight_map = map }));

        using var model = WhisperModel.FromPretrained(directory.Path).eval();

        AssertGoldenLogits(model);
    }

    [Fact]
    public void An_index_naming_a_missing_shard_or_a_key_its_shard_lacks_is_refused()
    {
        using var directory = new TempDirectory();
        TinyWhisper.CopyAsCheckpoint(directory.Path);
        File.Move(directory.File("model.safetensors"), directory.File("model-00001-of-00001.safetensors"));
        var map = new Dictionary<string, string> { ["model.decoder.layer_norm.weight"] = "model-00002-of-00002.safetensors" };
        File.WriteAllText(directory.File("model.safetensors.index.json"), JsonSerializer.Serialize(new { weight_map = map }));

        var missing = Assert.Throws<FileNotFoundException>(() => WhisperModel.FromPretrained(directory.Path));
        Assert.Contains("model-00002-of-00002.safetensors", missing.Message);

        map["model.decoder.layer_norm.weight"] = "model-00001-of-00001.safetensors";
        map["model.decoder.extra.weight"] = "model-00001-of-00001.safetensors";
        File.WriteAllText(directory.File("model.safetensors.index.json"), JsonSerializer.Serialize(new { weight_map = map }));
        var lacking = Assert.Throws<InvalidDataException>(() => WhisperModel.FromPretrained(directory.Path));
        Assert.Contains("model.decoder.extra.weight", lacking.Message);
    }

    [Fact]
    public void Missing_or_unexpected_weights_are_named_but_the_tied_proj_out_and_the_fixed_positions_are_tolerated()
    {
        using var directory = new TempDirectory();
        using var scope = NewDisposeScope();
        File.Copy(TinyWhisper.Fixture("config.json"), directory.File("config.json"));
        var weights = load_safetensors(TinyWhisper.Fixture("model.safetensors"));
        string path = directory.File("model.safetensors");

        // transformers-style extras: the tied projection stored anyway, the sinusoids left out.
        var tolerated = weights.Where(w => w.Key != "model.encoder.embed_positions.weight").ToDictionary();
        tolerated["proj_out.weight"] = weights["model.decoder.embed_tokens.weight"];
        save_safetensors(tolerated, path);
        using (var model = WhisperModel.FromPretrained(directory.Path).eval()) AssertGoldenLogits(model);

        var broken = weights.Where(w => w.Key != "model.decoder.layers.1.fc2.bias").ToDictionary();
        broken["model.decoder.layers.2.fc2.bias"] = weights["model.decoder.layers.1.fc2.bias"];
        save_safetensors(broken, path);
        var error = Assert.Throws<InvalidDataException>(() => WhisperModel.FromPretrained(directory.Path));
        Assert.Contains("missing key(s): \"model.decoder.layers.1.fc2.bias\"", error.Message);
        Assert.Contains("unexpected key(s): \"model.decoder.layers.2.fc2.bias\"", error.Message);
    }

    [Fact]
    public void A_pickled_pt_file_is_refused_with_how_to_convert_it()
    {
        using var directory = new TempDirectory();
        string pt = directory.File("tiny.pt");
        File.WriteAllBytes(pt, [(byte)'P', (byte)'K', 3, 4, 0, 0]);

        var error = Assert.Throws<InvalidDataException>(() => WhisperModel.FromPretrained(pt));

        Assert.Contains("Pickles are never loaded", error.Message);
        Assert.Contains("security", error.Message);
        Assert.Contains("convert_openai_to_hf.py", error.Message);
        Assert.Contains(pt, error.Message);
    }

    [Fact]
    public void A_directory_with_only_a_pickle_is_refused_and_so_is_a_renamed_pickle()
    {
        using var directory = new TempDirectory();
        File.Copy(TinyWhisper.Fixture("config.json"), directory.File("config.json"));
        File.WriteAllBytes(directory.File("pytorch_model.bin"), [0x80, 0x02, (byte)'}', (byte)'q', 0]);

        var inDirectory = Assert.Throws<InvalidDataException>(() => WhisperModel.FromPretrained(directory.Path));
        Assert.Contains("pytorch_model.bin", inDirectory.Message);
        Assert.Contains("Pickles are never loaded", inDirectory.Message);

        string disguised = directory.File("weights");
        File.WriteAllBytes(disguised, [0x80, 0x04, 0x95, 0, 0]);
        Assert.Contains("Pickles are never loaded", Assert.Throws<InvalidDataException>(() => WhisperModel.FromPretrained(disguised)).Message);
    }

    private static void AssertGoldenLogits(WhisperModel model)
    {
        using var scope = NewDisposeScope();
        var io = TinyWhisper.Io();
        using (no_grad()) Assert.True(TinyWhisper.MaxAbsDifference(model.forward((io["mel"], io["tokens"])), io["logits"]) <= 1e-4);
    }
}
