using Cluster.Speech.Models.Whisper;
using Cluster.Speech.Tests.Text;

namespace Cluster.Speech.Tests.Models.Whisper;

/// <summary>Hugging Face config.json reading and writing, and the released sizes.</summary>
public sealed class WhisperConfigTests
{
    [Theory]
    [InlineData("tiny", 384, 6, 4)]
    [InlineData("base", 512, 8, 6)]
    [InlineData("small", 768, 12, 12)]
    [InlineData("medium", 1024, 16, 24)]
    [InlineData("large", 1280, 20, 32)]
    [InlineData("large-v2", 1280, 20, 32)]
    [InlineData("large-v3", 1280, 20, 32)]
    public void Presets_have_the_released_width_heads_and_layers(string name, int width, int heads, int layers)
    {
        var config = WhisperConfig.Preset(name);

        Assert.Equal((width, heads, layers), (config.DModel, config.EncoderAttentionHeads, config.EncoderLayers));
        Assert.Equal((heads, layers), (config.DecoderAttentionHeads, config.DecoderLayers));
        Assert.Equal((4 * width, 4 * width), (config.EncoderFfnDim, config.DecoderFfnDim));
        Assert.Equal((1500, 448, 3000), (config.MaxSourcePositions, config.MaxTargetPositions, config.InputFrames));
        Assert.Equal((50257, 50258), (config.EosTokenId, config.DecoderStartTokenId));
        Assert.Contains(name, WhisperConfig.PresetNames);
    }

    [Fact]
    public void Large_v3_has_128_mel_bins_and_a_vocabulary_of_51866_the_others_80_and_51865()
    {
        Assert.Equal((128, 51866), (WhisperConfig.Preset("large-v3").NumMelBins, WhisperConfig.Preset("large-v3").VocabSize));
        foreach (var name in WhisperConfig.PresetNames.Where(n => n != "large-v3"))
            Assert.Equal((80, 51865), (WhisperConfig.Preset(name).NumMelBins, WhisperConfig.Preset(name).VocabSize));
        Assert.Throws<ArgumentException>(() => WhisperConfig.Preset("huge"));
    }

    [Fact]
    public void The_golden_config_reads_with_its_values_and_ignores_unknown_keys()
    {
        var config = TinyWhisper.Config;

        Assert.Equal((80, 64, 4, 2, 256), (config.NumMelBins, config.DModel, config.EncoderAttentionHeads, config.EncoderLayers, config.EncoderFfnDim));
        Assert.Equal((100, 64, 1024), (config.MaxSourcePositions, config.MaxTargetPositions, config.VocabSize));
        Assert.Equal((999, 999, 999, 1000), (config.PadTokenId, config.BosTokenId, config.EosTokenId, config.DecoderStartTokenId));
        Assert.Equal(("gelu", false, true), (config.ActivationFunction, config.ScaleEmbedding, config.TieWordEmbeddings));
    }

    [Fact]
    public void A_missing_required_key_is_an_error_naming_the_key_and_the_file()
    {
        using var directory = new TempDirectory();
        string path = directory.File("config.json");
        File.WriteAllText(path, File.ReadAllText(TinyWhisper.Fixture("config.json")).Replace("\"d_model\"", "\"width\""));

        var error = Assert.Throws<InvalidDataException>(() => WhisperConfig.Load(path));

        Assert.Contains("'d_model'", error.Message);
        Assert.Contains(path, error.Message);
    }

    [Theory]
    [InlineData("\"encoder_attention_heads\": 4", "\"encoder_attention_heads\": 5", "encoder_attention_heads")]
    [InlineData("\"vocab_size\": 1024", "\"vocab_size\": \"1024\"", "vocab_size")]
    [InlineData("\"activation_function\": \"gelu\"", "\"activation_function\": \"relu\"", "activation_function")]
    [InlineData("\"decoder_start_token_id\": 1000", "\"decoder_start_token_id\": 5000", "decoder_start_token_id")]
    public void Malformed_values_are_errors_naming_the_key(string from, string to, string key)
    {
        string json = File.ReadAllText(TinyWhisper.Fixture("config.json")).Replace(from, to);
        Assert.Contains(to, json);

        var error = Assert.Throws<InvalidDataException>(() => WhisperConfig.Parse(json, "test.json"));

        Assert.Contains($"'{key}'", error.Message);
        Assert.StartsWith("test.json", error.Message);
    }

    [Fact]
    public void Written_json_reads_back_equal_and_keeps_what_transformers_dispatches_on()
    {
        var config = WhisperConfig.Preset("large-v3") with { Dropout = 0.1 };

        string json = config.ToJson();

        Assert.Equal(config, WhisperConfig.Parse(json, "written"));
        Assert.Contains("\"model_type\": \"whisper\"", json);
        Assert.Contains("WhisperForConditionalGeneration", json);
    }
}
